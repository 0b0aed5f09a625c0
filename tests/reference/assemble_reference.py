#!/usr/bin/env python3
"""Reference for `faq assemble`: what transformers produces for each judged record.

For every {id, query, response, reasoning?} line of --in, renders the conversation
[user: query, assistant: response (reasoning as reasoning_content)] with
tokenizer.apply_chat_template(tokenize=False) and tokenizes it with add_special_tokens=False
(as apply_chat_template(tokenize=True) does). Writes {id, text, input_ids} lines to --out.
"""
import argparse
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(args.tokenizer)
    with open(args.inp, encoding="utf-8") as f, open(args.out, "w", encoding="utf-8") as out:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            assistant = {"role": "assistant", "content": rec["response"]}
            if rec.get("reasoning") is not None:
                assistant["reasoning_content"] = rec["reasoning"]
            conv = [{"role": "user", "content": rec["query"]}, assistant]
            text = tok.apply_chat_template(conv, tokenize=False)
            ids = tok(text, add_special_tokens=False)["input_ids"]
            out.write(json.dumps({"id": rec["id"], "text": text, "input_ids": ids}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
