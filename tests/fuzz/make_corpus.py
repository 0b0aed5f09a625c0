#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/, from real files:
the bundled models (models/), the shared tokenizers, configs and golden cases (../shared) and
configs/*.yaml. No dataset text (../shared/data) goes into a seed.

    .venv/bin/python tests/fuzz/make_corpus.py [TARGET...]   (default: every target)

Each target's seeds come from one function below (SEEDS maps target -> function); a function
returns {file name: bytes}. The corpus directory is replaced, so rerunning is idempotent.
"""
import json
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("FAQ_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
TINY = ROOT / "models" / "tiny-qwen3-target"


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def dumps(obj, indent=None):
    return (json.dumps(obj, ensure_ascii=False, indent=indent) + "\n").encode()


def chat_templates():
    """The real chat templates, each once: {name: source} (the bundled tokenizer's is Qwen3's)."""
    out = {}
    for name, config in (("qwen3", SHARED / "tokenizers" / "qwen3"), ("deepseek_v3", SHARED / "tokenizers" / "deepseek_v3"),
                         ("tiny-qwen3", ROOT / "models" / "tokenizer")):
        source = read_json(config / "tokenizer_config.json")["chat_template"]
        if source not in out.values():
            out[name] = source
    return out


def feature_templates():
    """The hand-written templates of tests/reference/jinja_feature_templates.py: {name: source}."""
    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    import jinja_feature_templates

    return dict(jinja_feature_templates.FEATURE_TEMPLATES)


def golden_chat_cases():
    """The hand-written conversations of ../shared/golden/chat_template: [(template, case, inputs)]."""
    out = []
    for name in ("qwen3", "deepseek_v3"):
        for r in jsonl(SHARED / "golden" / "chat_template" / f"{name}.jsonl"):
            out.append((name, r["case"], r["inputs"]))
    return out


def edge_case_texts():
    """The hand-written tokenizer edge cases of ../shared/golden/tokenizer (not the dataset lines)."""
    texts = []
    for name in ("qwen3", "deepseek_v3"):
        for r in jsonl(SHARED / "golden" / "tokenizer" / f"{name}_edge_cases.jsonl"):
            if r["text"] not in texts:
                texts.append(r["text"])
    return texts


def safetensors_bytes(tensors, metadata=None):
    """A safetensors file of {name: (dtype, shape, raw bytes)}, written by hand so that odd
    layouts (empty tensors, unusual dtypes) need no library."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def tiny_tensor(name):
    """(dtype, shape, raw bytes) of one tensor of the bundled tiny Qwen3 model."""
    import torch
    from safetensors import safe_open

    with safe_open(str(TINY / "model.safetensors"), "pt") as f:
        t = f.get_tensor(name)

    dtype = {torch.bfloat16: "BF16", torch.float16: "F16", torch.float32: "F32"}[t.dtype]
    return dtype, list(t.shape), t.contiguous().view(torch.uint8).numpy().tobytes()


def seeds_safetensors():
    norm = tiny_tensor("model.layers.0.self_attn.q_norm.weight")
    knorm = tiny_tensor("model.layers.0.self_attn.k_norm.weight")
    import torch

    q = torch.frombuffer(bytearray(norm[2]), dtype=torch.bfloat16)
    as_dtype = {
        "F32": q.float(), "F16": q.half(), "F64": q.double(), "I64": (q * 100).long(),
        "I32": (q * 100).int(), "I16": (q * 100).short(), "I8": (q * 10).to(torch.int8),
        "U8": (q * 10).to(torch.uint8), "BOOL": q > 1.0,
    }
    every_dtype = {f"q_norm.{k.lower()}": (k, [32], v.numpy().tobytes()) for k, v in as_dtype.items()}
    return {
        "qk_norm.safetensors": safetensors_bytes(
            {"model.layers.0.self_attn.k_norm.weight": knorm, "model.layers.0.self_attn.q_norm.weight": norm},
            {"format": "pt"}),
        "q_norm_no_metadata.safetensors": safetensors_bytes({"model.layers.0.self_attn.q_norm.weight": norm}),
        "every_dtype.safetensors": safetensors_bytes(every_dtype, {"format": "pt", "source": "tiny-qwen3-target"}),
        "empty_tensor.safetensors": safetensors_bytes({"empty": ("F32", [0, 32], b""), "scalar": ("F32", [], b"\0\0\x80?")}),
        "header_only.safetensors": safetensors_bytes({}, {"format": "pt"}),
    }


def seeds_jsonl():
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(str(ROOT / "models" / "tokenizer" / "tokenizer.json"))
    texts = edge_case_texts()
    cases = golden_chat_cases()
    return {
        "train_log.jsonl": "\n".join((TINY / "train_log.jsonl").read_text().splitlines()[:4]).encode() + b"\n",
        "input_ids.jsonl": b"".join(dumps({"input_ids": tok.encode(t).ids}) for t in texts[:4]),
        "text.jsonl": b"".join(dumps({"text": t}) for t in texts[:6]),
        "messages.jsonl": b"".join(dumps({"messages": c[2]["messages"]}) for c in cases[:4]),
        "seeds.jsonl": b"".join(dumps({"id": f"q{i}", "query": t, "answer": t[::-1]}) for i, t in enumerate(texts[:3])),
        "crlf_blank_lines.jsonl": dumps({"text": texts[0]}).replace(b"\n", b"\r\n") + b"\n\n" + dumps({"text": ""}),
    }


def seeds_tokenizer():
    out = {f"edge_{i:02d}.txt": t.encode() for i, t in enumerate(edge_case_texts())}
    for name, case, inputs in golden_chat_cases()[:6]:
        for j, m in enumerate(inputs["messages"]):
            if isinstance(m.get("content"), str) and m["content"]:
                out[f"chat_{name}_{case}_{j}.txt"] = m["content"].encode()
    return out


def seeds_jinja():
    out = {f"{name}.jinja": src.encode() for name, src in {**chat_templates(), **feature_templates()}.items()}
    out["loop_filters.jinja"] = (b"{% for m in messages %}{{ m.role | upper }}:{{ m.content | trim | length }}"
                                 b"{% if not loop.last %}, {% endif %}{% endfor %}")
    out["macro_namespace.jinja"] = (b"{% set ns = namespace(n=0) %}{% macro f(x) %}[{{ x }}]{% endmacro %}"
                                    b"{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ f(m.role) }}{% endfor %}"
                                    b"{{ ns.n }}{{ tools | tojson }}")
    return out


def seeds_chat_template():
    """Each real chat template alone (the target's fixed conversation), then with conversation
    bytes after a NUL: a few fixed pseudo-random programs for the target's conversation builder."""
    import random

    out = {}
    for name, src in chat_templates().items():
        out[f"{name}.jinja"] = src.encode()
        for seed in range(4):
            out[f"{name}_conversation{seed}.bin"] = src.encode() + b"\0" + random.Random(seed).randbytes(96)
    for name in ("set_namespace_macro", "loops_and_loopvars"):
        out[f"{name}_conversation.bin"] = feature_templates()[name].encode() + b"\0" + random.Random(name).randbytes(96)
    return out


def seeds_model_config():
    """The real config.json files, and the fields real checkpoints add to them: Llama 3.1's
    rope_scaling, newer transformers' rope_parameters, Qwen2, a GPTQ quantization_config."""
    golden = SHARED / "golden" / "hf"
    out = {
        "llama.json": (golden / "llama" / "model" / "config.json").read_bytes(),
        "qwen3.json": (golden / "qwen3" / "model" / "config.json").read_bytes(),
        "qwen3_moe.json": (golden / "qwen3_moe" / "model" / "config.json").read_bytes(),
        "tiny-qwen3-target.json": (TINY / "config.json").read_bytes(),
        "llama2xs.json": (SHARED / "models" / "llama2xs-hf" / "config.json").read_bytes(),
    }
    llama = read_json(golden / "llama" / "model" / "config.json")
    llama["rope_scaling"] = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"}
    llama["eos_token_id"] = [2, 3]
    out["llama_rope_llama3.json"] = dumps(llama, indent=2)
    qwen3 = read_json(golden / "qwen3" / "model" / "config.json")
    qwen3["rope_parameters"] = {"rope_theta": qwen3.pop("rope_theta"), "rope_type": "linear", "factor": 2.0}
    out["qwen3_rope_parameters.json"] = dumps(qwen3, indent=2)
    qwen2 = read_json(golden / "qwen3" / "model" / "config.json")
    qwen2.update(architectures=["Qwen2ForCausalLM"], model_type="qwen2")
    del qwen2["head_dim"]
    out["qwen2.json"] = dumps(qwen2, indent=2)
    tiny = read_json(TINY / "config.json")
    tiny["quantization_config"] = {"quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True,
                                   "desc_act": False, "checkpoint_format": "gptq"}
    out["tiny-qwen3-gptq.json"] = dumps(tiny, indent=2)
    # Regressions: a negative head_dim was accepted; a string rope_theta escaped as a library error.
    bad = read_json(golden / "qwen3" / "model" / "config.json")
    bad["head_dim"] = -16
    out["regression_negative_head_dim.json"] = dumps(bad, indent=2)
    bad = read_json(golden / "qwen3" / "model" / "config.json")
    bad["rope_parameters"] = {"rope_theta": "1e6", "rope_type": "default"}
    out["regression_string_rope_theta.json"] = dumps(bad, indent=2)
    return out


def seeds_serve_request():
    """Request bodies as the serve tests and OpenAI clients send them (the target serves the
    bundled tiny Qwen3 as "tiny-qwen3"), and the golden conversations as chat requests."""
    name = "tiny-qwen3"
    user = {"role": "user", "content": "What is two plus two?"}
    out = {
        "chat_basic.json": {"model": name, "messages": [user], "temperature": 0, "max_tokens": 12,
                            "return_token_ids": True, "chat_template_kwargs": {"enable_thinking": False}},
        "chat_sampling.json": {"model": name, "messages": [{"role": "system", "content": "Be brief."}, user],
                               "n": 3, "temperature": 1.0, "top_p": 0.95, "top_k": 50, "seed": 1234,
                               "max_completion_tokens": 8, "stop": ["\n\n", "</s>"]},
        "chat_parts_tools.json": {
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Weather in "}, {"type": "text", "text": "Paris?"}]},
                         {"role": "assistant", "content": None, "tool_calls": [
                             {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
                         {"role": "tool", "content": "18C", "tool_call_id": "call_1"}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
            "add_generation_prompt": True, "top_k": -1, "stream": False, "logprobs": False},
        "completion_text.json": {"model": name, "prompt": "The weather today", "max_tokens": 16, "temperature": 0,
                                 "stop": "never-in-the-text"},
        "completion_batch.json": {"prompt": ["Hi", "Tell me a story about a dragon and a knight.", "2+2="],
                                  "max_tokens": 10, "temperature": 0, "return_token_ids": True},
        "completion_ids_echo.json": {"prompt": [[40, 6, 76, 274], [2022, 84, 265]], "max_tokens": 0, "echo": True,
                                     "logprobs": 5, "suffix": None},
        "completion_id_list.json": {"prompt": [785, 3974, 13, 1], "max_tokens": 1, "logprobs": 0, "seed": -1},
        # Regression: prompt length + max_tokens overflowed int64 in ResolveMaxTokens.
        "chat_max_tokens_int64_max.json": {"messages": [{"role": "user", "content": "hi"}],
                                           "max_tokens": 9223372036854775807},
    }
    for tmpl, case, inputs in golden_chat_cases():
        if tmpl == "qwen3":
            body = {"model": name, "messages": inputs["messages"], "max_tokens": 4,
                    "add_generation_prompt": inputs.get("add_generation_prompt", True)}
            if "tools" in inputs:
                body["tools"] = inputs["tools"]
            if "enable_thinking" in inputs:
                body["chat_template_kwargs"] = {"enable_thinking": inputs["enable_thinking"]}
            out[f"chat_golden_{case}.json"] = body
    return {k: dumps(v) for k, v in out.items()}


def seeds_pipeline_yaml():
    """configs/demo.yaml and the shapes the pipeline tests write: flow maps, a remote endpoint,
    quantize runs over common options, anchors and aliases, an empty document."""
    return {
        "demo.yaml": (ROOT / "configs" / "demo.yaml").read_bytes(),
        "flow_style.yaml": (ROOT / "tests" / "pipeline" / "data" / "flow_style.yaml").read_bytes(),
        "remote_endpoint.yaml": b"""target: models/tiny-qwen3-target
seeds: 'seeds.jsonl'
regenerate:
  endpoint: http://127.0.0.1:8000/v1
  stop: [</s>, "\n\n"]
  seed: ~
judge: {endpoint: http://127.0.0.1:8000/v1, mode: pairwise}
quantize:
  calibrations: [faq]
  runs: [{name: rtn-w8, method: rtn, bits: 8, sym: false, damp_percent: 0.1}]
""",
        "anchors.yaml": b"""common: &common {method: gptq, group_size: 128}
target: m
seeds: s.jsonl
quantize:
  options: *common
  runs:
    - <<: *common
      name: merged
      bits: 3
""",
        "minimal.yaml": b"target: m\nseeds: s.jsonl\n",
        # Regressions: bytes that are not UTF-8, and fields of another type than their default.
        "regression_latin1.yaml": b"target: m\nseeds: s\nquantize: {calibrations: [fa\xe4q]}\n",
        "regression_null_run_dir.yaml": b"run_dir:\ntarget: m\nseeds: s\njudge: {endpoint: 8}\n",
        "empty.yaml": b"",
    }


def readme_quantize_yaml():
    """The `faq quantize --config` example of README.md (its first ```yaml block)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\n") + len("```yaml\n")
    return readme[start:readme.index("```", start)].encode()


def seeds_quantize_yaml():
    """The README's example, the YAML files of tests/cli/quantize_cli_test.cc, and each method's
    own options."""
    return {
        "readme.yaml": readme_quantize_yaml(),
        "cli_rules.yaml": b"method: rtn\nbits: 3\ngroup_size: 32\nformat: fake\n"
                          b"modules:\n  - {pattern: 'mlp\\.down_proj$', bits: 8}\n"
                          b"  - {pattern: 'layers\\.1\\.self_attn\\.o_proj', skip: true}\n",
        "cli_every_key.yaml": b"method: gptaq\nbits: 4\ngroup_size: 32\ngptaq_exact: true\nmax_memory_mb: 4096\n"
                              b"micro_batch: 2\nact_order: true\ndevice: cpu\ndtype: fp32\n",
        "awq.yaml": b"method: awq\nbits: 4\ngroup-size: 64\nsym: false\nawq_grid: 10\nawq_duo_scaling: false\n"
                    b"awq_clip: true\nawq_tokens: 512\nformat: awq\n",
        "spqr.yaml": b"method: spqr\nbits: 3\nspqr_group_size: 16\nspqr_stat_bits: 3\nspqr_outlier_threshold: 0.2\n"
                     b"spqr_damp: 1.0\ncalib_mode: per-record\nnsamples: 16\nseqlen: 256\n",
        "transform_solver.yaml": b"method: awq+gptq\nbits: 4\ngroup_size: 128\ndamp: 0.01\nblock_size: 64\n"
                                 b"true_sequential: true\nstatic_groups: true\noffload_dir: /tmp/act\n",
        "mixed_rules.yaml": b"format: fake\nmodules:\n  - {pattern: 'down_proj', bits: 8, group_size: -1, sym: false}\n"
                            b"  - pattern: '^model\\.layers\\.[0-9]+\\.mlp\\.'\n    skip: false\n",
        # Regression: keys that are maps or lists escaped as yaml-cpp's bad conversion.
        "regression_list_key.yaml": b"[bits]: 4\n",
        "regression_map_key.yaml": b"format: fake\nmodules:\n  - pattern: down_proj\n    {bits: 4}: 8\n",
    }


def packed_checkpoint_seed(out_dir, layer_prefix="model.layers.0.self_attn.k_proj"):
    """config.json, a NUL, then a safetensors file with one packed linear of a checkpoint."""
    from safetensors import safe_open
    from safetensors.torch import save

    with safe_open(str(Path(out_dir) / "model.safetensors"), "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys() if k.startswith(layer_prefix + ".")}
    return (Path(out_dir) / "config.json").read_bytes() + b"\0" + save(tensors, metadata={"format": "pt"})


def seeds_gptq():
    """Real checkpoints of the bundled tiny Qwen3 written by `faq quantize` (FAQ_BIN, default
    build/faq): GPTQ 4/3/8-bit, per-channel, asymmetric (gptq_v2) and act-order, AWQ and SpQR;
    one packed linear each. Calibration text is faq's own docs."""
    import subprocess
    import tempfile

    faq = os.environ.get("FAQ_BIN", str(ROOT / "build" / "faq"))
    runs = {
        "gptq_w4_g32": ["--method", "rtn", "--bits", "4", "--group-size", "32"],
        "gptq_w3_g32": ["--method", "rtn", "--bits", "3", "--group-size", "32"],
        "gptq_w8_per_channel": ["--method", "rtn", "--bits", "8", "--group-size", "-1"],
        "gptq_v2_w4_asym": ["--method", "rtn", "--bits", "4", "--group-size", "64", "--asym"],
        "gptq_w4_act_order": ["--method", "gptq", "--bits", "4", "--group-size", "32", "--act-order"],
        "awq_w4": ["--method", "awq", "--bits", "4", "--group-size", "32", "--format", "awq"],
        "spqr_w3": ["--method", "spqr", "--bits", "3"],
    }
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        calib = Path(tmp) / "calib.jsonl"
        docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
        calib.write_bytes(b"".join(dumps({"text": d}) for d in docs))
        for name, args in runs.items():
            dest = Path(tmp) / name
            subprocess.run([faq, "quantize", "--model", str(TINY), "--calib", str(calib), "--nsamples", "8",
                            "--seqlen", "128", "--out", str(dest), *args], check=True, capture_output=True)
            out[f"{name}.bin"] = packed_checkpoint_seed(dest)
    return out


def seeds_model_reply():
    return {
        "reply_reasoning_content.json": dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "tiny-qwen3-elder",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "4", "reasoning_content": "2+2=4"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}}),
        "reply_think_in_content.json": dumps({
            "choices": [{"index": 1, "message": {"content": "<think>add</think>\n\nScore: 8"}, "finish_reason": "length"},
                        {"index": 0, "message": {"content": "[[A]]", "reasoning": "A is right"}, "finish_reason": "stop"}],
            "usage": None}),
        "judge_score.txt": b"<think>The answer is correct.</think>\nScore: 9",
        "judge_score_fraction.txt": b"I would rate this 7/10.",
        "judge_choice.txt": b"Verdict: **B**",
        "judge_bare.txt": b" [A] ",
        # Regression: a score beyond double's range made std::stod throw out of the parser.
        "regression_score_overflow.txt": b"Score: " + b"9" * 400,
    }


def shrink_tokenizer(tok, keep_ids, keep_added=24):
    """A tokenizer.json cut to its first `keep_ids` vocabulary entries, the merges among them
    and its first added tokens, everything else (normalizer, pre-tokenizer, decoder,
    post-processor) kept as it is."""
    tok = json.loads(json.dumps(tok))
    model = tok["model"]
    model["vocab"] = {t: i for t, i in model["vocab"].items() if i < keep_ids}
    merges = []
    for m in model["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in model["vocab"] and b in model["vocab"] and a + b in model["vocab"]:
            merges.append(m)
    model["merges"] = merges
    tok["added_tokens"] = tok["added_tokens"][:keep_added]
    return dumps(tok)


def trained_variants():
    """The tokenizer variants of tests/reference/hf_tokenizer_variants.py (Llama-2 byte fallback,
    Metaspace, Split behaviours, Whitespace with suffixes), trained on faq's own docs."""
    import tempfile

    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    import hf_tokenizer_variants

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "docs.txt"
        text.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))))
        return {name: json.loads(build(str(text)).to_str()) for name, build in hf_tokenizer_variants.VARIANTS.items()}


def seeds_tokenizer_json():
    out = {
        "tiny-qwen3.json": shrink_tokenizer(read_json(ROOT / "models" / "tokenizer" / "tokenizer.json"), 300),
        "qwen3.json": shrink_tokenizer(read_json(SHARED / "tokenizers" / "qwen3" / "tokenizer.json"), 280),
        "deepseek_v3.json": shrink_tokenizer(read_json(SHARED / "tokenizers" / "deepseek_v3" / "tokenizer.json"), 280),
    }
    for name, tok in trained_variants().items():
        out[f"{name}.json"] = shrink_tokenizer(tok, 300)
    return out


SEEDS = {
    "safetensors_fuzz": seeds_safetensors,
    "jsonl_fuzz": seeds_jsonl,
    "tokenizer_fuzz": seeds_tokenizer,
    "jinja_fuzz": seeds_jinja,
    "model_reply_fuzz": seeds_model_reply,
    "tokenizer_json_fuzz": seeds_tokenizer_json,
    "chat_template_fuzz": seeds_chat_template,
    "model_config_fuzz": seeds_model_config,
    "serve_request_fuzz": seeds_serve_request,
    "pipeline_yaml_fuzz": seeds_pipeline_yaml,
    "quantize_yaml_fuzz": seeds_quantize_yaml,
    "gptq_fuzz": seeds_gptq,
}


def write(target):
    files = SEEDS[target]()
    out = CORPUS / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name, data in sorted(files.items()):
        (out / name).write_bytes(data)
    print(f"{target}: {len(files)} seeds, {sum(len(d) for d in files.values())} bytes")


def main(argv):
    targets = argv or list(SEEDS)
    unknown = [t for t in targets if t not in SEEDS]
    if unknown:
        sys.exit(f"unknown target(s) {unknown}; known: {list(SEEDS)}")
    for t in targets:
        write(t)


if __name__ == "__main__":
    main(sys.argv[1:])
