// The shell every faq report page shares: inline style, no script, no external resource.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faq {

std::string HtmlPage(std::string_view title, std::string_view body);

// A table with a header row; cells are HTML already (escape text with EscapeXml).
std::string HtmlTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace faq
