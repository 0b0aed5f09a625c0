// HtmlPage / HtmlTable.
#include "faq/report/html_page.h"

#include <fmt/format.h>

#include "faq/report/svg_charts.h"

namespace faq {

std::string HtmlPage(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n<style>\n"
      "body{{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}}\n"
      "h1{{font-size:22px}} h2{{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}}\n"
      "table{{border-collapse:collapse;margin:8px 0;font-size:13px}}\n"
      "td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}} th{{background:#f0f0f0}}\n"
      "td:first-child,th:first-child{{text-align:left}}\n"
      "figure{{margin:16px 0;overflow-x:auto}} figcaption{{font-size:13px;color:#555}}\n"
      ".good{{background:#e6f4ea}} .bad{{background:#fce8e6}} .note{{font-size:13px;color:#555}}\n"
      "</style></head><body>\n<h1>{0}</h1>\n{1}\n</body></html>\n",
      EscapeXml(title), body);
}

std::string HtmlTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string s = "<table><tr>";
  for (const auto& h : header) s += "<th>" + h + "</th>";
  s += "</tr>\n";
  for (const auto& row : rows) {
    s += "<tr>";
    for (const auto& cell : row) s += cell.rfind("<td", 0) == 0 ? cell : "<td>" + cell + "</td>";
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

}  // namespace faq
