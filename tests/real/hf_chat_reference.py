"""Reference side of the real-model chat template test: transformers' apply_chat_template.

Reads a JSON list of {"messages", "add_generation_prompt"} and prints, per case, one JSON line
{"rendered": apply_chat_template(tokenize=False), "ids": apply_chat_template(tokenize=True)}.
Test reference only: the product never runs Python.

usage: hf_chat_reference.py MODEL_DIR CASES.json
"""
import json
import os
import sys


def main():
    model_dir, cases_path = sys.argv[1], sys.argv[2]
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    for case in json.load(open(cases_path, encoding="utf-8")):
        kwargs = {"add_generation_prompt": case["add_generation_prompt"]}
        rendered = tok.apply_chat_template(case["messages"], tokenize=False, **kwargs)
        ids = tok.apply_chat_template(case["messages"], tokenize=True, return_dict=False, **kwargs)
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        sys.stdout.write(json.dumps({"rendered": rendered, "ids": list(ids)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
