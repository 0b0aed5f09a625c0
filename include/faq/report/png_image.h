// A minimal PNG writer (8-bit RGB, stored-deflate so no zlib is needed) and base64, so faq
// can embed raster heat maps in SVG and HTML without external tools.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faq {

// rgb: width·height·3 bytes, row-major from the top. Returns the PNG file's bytes.
std::string EncodePngRgb(int64_t width, int64_t height, const std::vector<uint8_t>& rgb);

std::string Base64(std::string_view bytes);

}  // namespace faq
