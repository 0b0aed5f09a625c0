#include "faq/util/error.h"
#include "template/lexer.h"
#include "template/unicode.h"

namespace faq::tmpl {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string UnescapeStringLiteral(std::string_view raw) {
  std::u32string in = DecodeUtf8(raw);
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    if (c != '\\' || i + 1 >= in.size()) {
      if (c == '\\') throw Error("\\ at end of string");
      AppendUtf8(out, c);
      continue;
    }
    char32_t e = in[++i];
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': case 'u': case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int h = i + 1 + k < in.size() && in[i + 1 + k] < 0x80 ? HexValue(static_cast<char>(in[i + 1 + k])) : -1;
          if (h < 0) throw Error(fmt::format("truncated \\{}{} escape", static_cast<char>(e), std::string(n, 'X')));
          v = v * 16 + h;
        }
        if (v > 0x10FFFF) throw Error("illegal Unicode character");
        i += n;
        AppendUtf8(out, v);
        break;
      }
      case 'N': throw Error("\\N{...} escapes are not supported");
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = e - '0';
          for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++k) v = v * 8 + (in[++i] - '0');
          AppendUtf8(out, v);
        } else if (e >= 0x80) {
          // Jinja first encodes with "backslashreplace", so "\é" reads back as "\\xe9".
          out += '\\';
          out += e <= 0xFF ? fmt::format("x{:02x}", static_cast<unsigned>(e))
                 : e <= 0xFFFF ? fmt::format("u{:04x}", static_cast<unsigned>(e))
                               : fmt::format("U{:08x}", static_cast<unsigned>(e));
        } else {
          out += '\\';
          AppendUtf8(out, e);
        }
    }
  }
  return out;
}

}  // namespace faq::tmpl
