// The few Unicode facts the tokenizer needs: UTF-8 walking, character classes with the
// meaning Rust's `char` methods give them (HF tokenizers is written in Rust), normalization.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace faq::tok {

// Decodes the code point at s[pos] and advances pos; returns false (pos unchanged) on an
// invalid or truncated sequence.
bool NextCodePoint(std::string_view s, size_t& pos, char32_t& cp);
// Byte length of the UTF-8 sequence starting with `lead` (1 for invalid lead bytes).
size_t Utf8Length(unsigned char lead);
void AppendUtf8(std::string& out, char32_t cp);
// Offset of the first invalid byte, or npos when all of `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);

bool IsWhiteSpace(char32_t cp);    // Unicode White_Space (Rust char::is_whitespace)
bool IsNumeric(char32_t cp);       // Nd, Nl, No (Rust char::is_numeric)
bool IsWordChar(char32_t cp);      // regex \w: letters, marks, Nd, Nl, Pc, joiners
bool IsPunctuation(char32_t cp);   // P* or ASCII punctuation
bool IsMark(char32_t cp);          // Mn (what StripAccents removes)

enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };
std::string Normalize(std::string_view s, NormalForm form);
// Per-character full lowercase mapping (Rust char::to_lowercase; no final-sigma context).
std::string Lowercase(std::string_view s);

}  // namespace faq::tok
