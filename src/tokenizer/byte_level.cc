#include "byte_level.h"

#include <array>

#include "unicode.h"

namespace faq::tok {
namespace {

struct Tables {
  std::array<std::string, 256> to_unicode;
  std::array<int16_t, 512> to_byte;  // every mapped code point is below 0x144
  Tables() {
    to_byte.fill(-1);
    // Printable bytes map to themselves; the rest go, in order, to 256, 257, ...
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
      AppendUtf8(to_unicode[b], cp);
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

const std::string& ByteToUnicode(uint8_t byte) { return GetTables().to_unicode[byte]; }

void ByteLevelEncode(std::string_view bytes, std::string& out) {
  const Tables& t = GetTables();
  for (unsigned char b : bytes) out += t.to_unicode[b];
}

std::optional<uint8_t> UnicodeToByte(char32_t cp) {
  if (cp >= 512) return std::nullopt;
  int16_t b = GetTables().to_byte[cp];
  if (b < 0) return std::nullopt;
  return static_cast<uint8_t>(b);
}

}  // namespace faq::tok
