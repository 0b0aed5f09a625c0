"""Reference side of faq's tokenizer tests: Hugging Face `tokenizers` itself.

Reads JSONL records {"text": ...} and prints, per record, one JSON line with the ids
without and with special tokens and the decoding of the former.

usage: hf_tokenize.py TOKENIZER_DIR INPUT.jsonl
"""
import json
import sys

from tokenizers import Tokenizer


def main() -> None:
    tokenizer_dir, input_path = sys.argv[1], sys.argv[2]
    tok = Tokenizer.from_file(f"{tokenizer_dir}/tokenizer.json")
    with open(input_path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    plain = tok.encode_batch(texts, add_special_tokens=False)
    special = tok.encode_batch(texts, add_special_tokens=True)
    out = sys.stdout
    for p, s in zip(plain, special):
        decoded = tok.decode(p.ids, skip_special_tokens=False)
        out.write(json.dumps({"ids": p.ids, "ids_with_special_tokens": s.ids, "decoded": decoded}) + "\n")


if __name__ == "__main__":
    main()
