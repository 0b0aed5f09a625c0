"""Builds small tokenizer.json files that exercise the pipeline parts the shipped Qwen3 and
DeepSeek-V3 tokenizers do not use (Llama-2 style byte fallback, Metaspace, Digits, Split
behaviors, Whitespace, added-token flags...), trained with Hugging Face `tokenizers` on a
text file. faq's tests then compare faq's encodings of these with `tokenizers`' own.

usage: hf_tokenizer_variants.py TRAIN_TEXT OUT_DIR   (writes OUT_DIR/<variant>/tokenizer.json)
"""
import os
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers


def train(tok, text_path, vocab_size, **kwargs):
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, **kwargs)
    tok.train([text_path], trainer)
    return tok


def llama2_style(text_path):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    train(tok, text_path, 1200, special_tokens=specials, limit_alphabet=60)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def metaspace_digits(text_path):
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Metaspace(prepend_scheme="first"),
                                                 pre_tokenizers.Digits(individual_digits=True)])
    tok.decoder = decoders.Metaspace(prepend_scheme="first")
    train(tok, text_path, 1500, special_tokens=["[UNK]", "[CLS]", "[SEP]"])
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    tok.add_tokens([AddedToken("the", single_word=True), AddedToken("[mask]", lstrip=True, rstrip=True),
                    AddedToken("ing", normalized=True)])
    tok.add_special_tokens([AddedToken("<|sep|>", special=True)])
    return tok


def split_behaviors(text_path):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(),
                                          normalizers.Replace(Regex("[0-9]{4,}"), "#")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\d"), behavior="contiguous"),
        pre_tokenizers.Split("-", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[.,;:]"), behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"\p{Lu}\p{Ll}*"), behavior="isolated", invert=True),
        pre_tokenizers.Split(Regex(r"\s*\n"), behavior="removed"),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    train(tok, text_path, 2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<s>", "</s>"])
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    return tok


def whitespace_suffix(text_path):
    tok = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation()])
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    train(tok, text_path, 1500, special_tokens=["<unk>"], continuing_subword_prefix="##", end_of_word_suffix="</w>")
    return tok


VARIANTS = {"llama2_style": llama2_style, "metaspace_digits": metaspace_digits,
            "split_behaviors": split_behaviors, "whitespace_suffix": whitespace_suffix}


def main() -> None:
    text_path, out_dir = sys.argv[1], sys.argv[2]
    for name, build in VARIANTS.items():
        os.makedirs(f"{out_dir}/{name}", exist_ok=True)
        build(text_path).save(f"{out_dir}/{name}/tokenizer.json")
        print(name)


if __name__ == "__main__":
    main()
