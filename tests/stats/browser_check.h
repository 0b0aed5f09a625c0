// Opens an HTML page in Debian's headless chromium and reports what a reader would see:
// how many pictures it holds, which have no size, which embedded PNGs fail to decode, and
// every script or console error.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace faq::testing {

struct BrowserReport {
  bool checked = false;           // the injected check ran and wrote its result
  int pictures = 0;               // top-level <svg> and <img> elements
  int empty_pictures = 0;         // of those, with a zero width or height
  int embedded_images = 0;        // <image> inside SVG and <img> data URIs
  int broken_images = 0;          // of those, that the browser cannot decode
  std::vector<std::string> errors;  // window errors and chromium's console error lines
  std::string dom;                // the dumped DOM (for messages)
};

// Copies `page` beside itself with a check script appended, and runs chromium on the copy.
BrowserReport CheckPageInBrowser(const std::filesystem::path& page);

}  // namespace faq::testing
