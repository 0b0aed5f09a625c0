// UTF-8 <-> code points and the few Unicode properties Python's str methods depend on.
// Invalid bytes map to lone surrogates U+DC80..U+DCFF (Python's surrogateescape) so that
// decoding then encoding any byte string gives it back unchanged.
#pragma once

#include <string>
#include <string_view>

namespace faq::tmpl {

std::u32string DecodeUtf8(std::string_view s);
std::string EncodeUtf8(std::u32string_view s);
void AppendUtf8(std::string& out, char32_t c);
// Number of code points (Python len()).
size_t CodePointCount(std::string_view s);
bool IsAscii(std::string_view s);

bool IsSpace(char32_t c);      // str.isspace / str.split() / str.strip()
bool IsPrintable(char32_t c);  // str.isprintable, for repr()
bool IsAlpha(char32_t c);
bool IsDecimal(char32_t c);
bool IsAlnum(char32_t c);
bool IsUpper(char32_t c);
bool IsLower(char32_t c);
char32_t ToUpper(char32_t c);
char32_t ToLower(char32_t c);
// Python's str.splitlines boundaries (also what Jinja's lexer normalises to "\n").
bool IsLineBreak(char32_t c);

std::string Upper(std::string_view s);
std::string Lower(std::string_view s);

}  // namespace faq::tmpl
