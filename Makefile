# The two commands of the README: `make demo` and `make test`. Both set up what is
# missing (tools/setup.sh), configure and build, then run.
BUILD   ?= build
JOBS    ?= $(shell nproc)
PYTHON  := .venv/bin/python
CMAKE_ARGS ?=

.PHONY: all setup configure build test demo bench clean real-model

all: build

setup:
	@tools/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAQ_PYTHON=$(abspath $(PYTHON)) $(CMAKE_ARGS)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The real-model tests (label `real`) need SmolLM2-135M-Instruct in the cache: fetched first.
test: build real-model
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# SmolLM2-135M-Instruct as a Hugging Face directory in ${FAQ_CACHE:-~/.cache/faq} (tools/real_model.sh),
# and the inputs configs/smollm2.yaml names in smollm2-out/ (tools/smollm2_data.py).
real-model: setup
	tools/real_model.sh
	$(PYTHON) tools/smollm2_data.py $${FAQ_CACHE:-$$HOME/.cache/faq}/smollm2-135m-instruct

# The demo needs the binary and the data generator only, not the test suite.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target faq make_family_data
	tools/demo.sh $(BUILD)

bench: build
	for b in $(BUILD)/bench/*_bench; do echo "== $$b"; $$b; done

clean:
	rm -rf $(BUILD)
