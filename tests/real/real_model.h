// Where the real-model tests find SmolLM2-135M-Instruct: the directory tools/real_model.sh
// (`make real-model`) writes, ${FAQ_CACHE:-$HOME/.cache/faq}/smollm2-135m-instruct.
#pragma once

#include <filesystem>

namespace faq::testing {

// Throws faq::Error saying to run `make real-model` when the directory is missing or
// incomplete: the tests fail rather than skip, so a run without the model cannot pass.
std::filesystem::path RealModelDir();

}  // namespace faq::testing
