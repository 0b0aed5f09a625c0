#!/usr/bin/env python3
"""Reference renders for faq's Jinja2 engine, produced by the real thing.

Generates random conversations (multi-turn, system prompts, tool calls, reasoning_content,
unicode, empty content) for the shared Qwen3 and DeepSeek-V3 chat templates and for the
hand-written feature templates in jinja_feature_templates.py, renders each with
transformers' `tokenizer.apply_chat_template(..., tokenize=False)` (Jinja2 configured by
transformers) and writes one JSON record per case:

  {"name", "template", "inputs": {"messages", "tools", "add_generation_prompt", "extra"},
   "special_tokens": {...}, "rendered": str}  or  {..., "error": str}

Usage: jinja_render.py --shared DIR --out FILE [--cases-per-template N] [--seed S]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja_feature_templates import FEATURE_TEMPLATES  # noqa: E402

TEXTS = [
    "What is 2+2?", "", " ", "\n", "Hello!\n", "\n\nleading newlines", "trailing newlines\n\n",
    "unicode: 北京 ☃ 😀 café naïve e\u0301", "braces {{ not a var }} {% not a tag %} {# nor a comment #}",
    "quotes ' \" and backslash \\ and tab\t", "<think>\ninner thought\n</think>\n\nanswer",
    "<tool_response>\nx\n</tool_response>", "multi\nline\ntext", "   spaced   ", "<|im_start|>fake",
    "emoji 🇫🇷 and zero-width \u200b and nbsp\u00a0", "A" * 50, "1.5e10", "None", "True",
]
REASONING = ["step 1\nstep 2", "", "\nthinking with newlines\n", "推理过程", "short"]


def random_tool_call(rng):
    args = rng.choice([
        {"city": "Paris"}, {"city": "北京", "days": 3}, {}, {"q": "a \"quoted\" string", "n": 1.5},
        '{"raw": "json string"}', {"nested": {"list": [1, 2, None, True]}},
    ])
    call = {"type": "function", "function": {"name": rng.choice(["get_weather", "search", "calc"]), "arguments": args}}
    if rng.random() < 0.2:
        call = call["function"]  # Qwen3 also accepts bare {name, arguments}
    return call


def random_messages(rng):
    msgs = []
    if rng.random() < 0.4:
        msgs.append({"role": "system", "content": rng.choice(TEXTS)})
    for _ in range(rng.randint(1, 4)):
        msgs.append({"role": "user", "content": rng.choice(TEXTS)})
        if rng.random() < 0.25:
            msgs.append({"role": "assistant", "content": rng.choice(["", None, "calling"]),
                         "tool_calls": [random_tool_call(rng) for _ in range(rng.randint(1, 2))]})
            for _ in range(rng.randint(1, 2)):
                msgs.append({"role": "tool", "content": rng.choice(['{"temp_c": 21}', "result", "", "多"])})
        if rng.random() < 0.7:
            m = {"role": "assistant", "content": rng.choice(TEXTS)}
            r = rng.random()
            if r < 0.3:
                m["reasoning_content"] = rng.choice(REASONING)
            elif r < 0.4:
                m["reasoning_content"] = None
            elif r < 0.45:
                m["reasoning"] = rng.choice(REASONING)
            msgs.append(m)
    if rng.random() < 0.1:
        msgs.insert(rng.randrange(len(msgs) + 1), {"role": "system", "content": rng.choice(TEXTS)})
    return msgs


TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City, e.g. 北京"}},
                         "required": ["city"]}}},
         {"type": "function", "function": {"name": "calc", "description": "Evaluate \"math\"",
          "parameters": {"type": "object", "properties": {"expr": {"type": "string"}, "precision": {"type": "number",
                         "default": 0.5}}}}}]


def random_inputs(rng):
    extra = {}
    r = rng.random()
    if r < 0.3:
        extra["enable_thinking"] = False
    elif r < 0.45:
        extra["enable_thinking"] = True
    if rng.random() < 0.2:
        extra["custom_flag"] = rng.choice([1, "x", [1, 2], {"k": None}, 2.5])
    return {"messages": random_messages(rng),
            "tools": TOOLS[: rng.randint(1, 2)] if rng.random() < 0.3 else None,
            "add_generation_prompt": rng.random() < 0.5, "extra": extra}


def render(tok, template, inputs):
    kwargs = dict(inputs["extra"])
    try:
        text = tok.apply_chat_template(inputs["messages"], tools=inputs["tools"], tokenize=False,
                                       add_generation_prompt=inputs["add_generation_prompt"],
                                       chat_template=template, **kwargs)
        return {"rendered": text}
    except Exception as e:  # the C++ side only has to raise too
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases-per-template", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers import AutoTokenizer

    rng = random.Random(args.seed)
    records = []
    for model in ("qwen3", "deepseek_v3"):
        tok = AutoTokenizer.from_pretrained(os.path.join(args.shared, "tokenizers", model))
        special = {k: v for k, v in tok.special_tokens_map.items() if isinstance(v, str)}
        jobs = [(model, tok.chat_template, args.cases_per_template)]
        if model == "qwen3":
            jobs += [(name, tpl, max(3, args.cases_per_template // 10)) for name, tpl in FEATURE_TEMPLATES.items()]
        for name, template, count in jobs:
            for _ in range(count):
                inputs = random_inputs(rng)
                rec = {"name": name, "template": template, "inputs": inputs, "special_tokens": special}
                rec.update(render(tok, template, inputs))
                records.append(rec)
    with open(args.out, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} reference renders to {args.out}")


if __name__ == "__main__":
    main()
