"""Independent perplexity reference with Hugging Face transformers (test reference only).

Same protocol as `faq eval ppl`: concatenate the records' input_ids in file order, cut
non-overlapping windows of --seqlen, drop the remainder, exp(mean next-token NLL).
Prints one JSON object.
"""
import argparse
import json
import math

import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--seqlen", type=int, default=2048)
    args = ap.parse_args()
    ids = []
    with open(args.data) as f:
        for line in f:
            if line.strip():
                ids.extend(json.loads(line)["input_ids"])
    windows = len(ids) // args.seqlen
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for w in range(windows):
            x = torch.tensor(ids[w * args.seqlen:(w + 1) * args.seqlen]).unsqueeze(0)
            logits = model(input_ids=x).logits[0, :-1].double()
            nll = torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum")
            total += nll.item()
            count += args.seqlen - 1
    print(json.dumps({"ppl": math.exp(total / count), "nll": total / count, "tokens": count, "windows": windows}))


if __name__ == "__main__":
    main()
