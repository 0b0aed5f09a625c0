// GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace faq::tok {

// The mapped character of each byte, as UTF-8.
const std::string& ByteToUnicode(uint8_t byte);
// Appends the mapped characters of every byte of `bytes`.
void ByteLevelEncode(std::string_view bytes, std::string& out);
// The byte of a mapped character, or nullopt for a character outside the table.
std::optional<uint8_t> UnicodeToByte(char32_t cp);

}  // namespace faq::tok
