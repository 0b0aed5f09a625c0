"""Reference answers from Hugging Face transformers for faq serve's live tests.

Reads a JSON spec {"dir", "chat": [{"messages", "kwargs", "max_new_tokens"}], "score": [[ids]]}
and prints one JSON object: for each chat case the prompt ids of
apply_chat_template(add_generation_prompt=True) and greedy generate()'s new ids; for each
scored prompt the log_softmax logprob of every token after the first and the top-1 logprob.
Test reference only: the product never runs Python.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main(spec_path):
    spec = json.load(open(spec_path))
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(spec["dir"], dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(spec["dir"])
    out = {"chat": [], "score": []}
    for case in spec["chat"]:
        ids = tokenizer.apply_chat_template(case["messages"], add_generation_prompt=True, tokenize=True,
                                            return_dict=False, **case["kwargs"])
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        prompt = torch.tensor([ids], dtype=torch.long)
        generated = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                   max_new_tokens=case["max_new_tokens"], pad_token_id=0)
        out["chat"].append({"prompt_ids": list(ids), "generated": generated[0, len(ids):].tolist()})
    for ids in spec["score"]:
        logits = model(input_ids=torch.tensor([ids], dtype=torch.long)).logits.float()
        logprobs = torch.log_softmax(logits[0], dim=-1)
        target = torch.tensor(ids[1:], dtype=torch.long)
        out["score"].append({"logprobs": logprobs[:-1].gather(1, target[:, None])[:, 0].tolist(),
                             "top1": logprobs[:-1].max(dim=-1).values.tolist()})
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
