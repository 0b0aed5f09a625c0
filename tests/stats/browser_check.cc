// CheckPageInBrowser: the check is a script appended to a copy of the page (the report itself
// carries none); chromium's --dump-dom prints the DOM after the virtual-time budget, with the
// script's verdict in it, and --enable-logging prints console messages on stderr.
#include "browser_check.h"

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq::testing {
namespace {

constexpr const char* kCheckScript = R"(<script>
window.__faqErrors = [];
window.addEventListener('error', e => window.__faqErrors.push(String(e.message || e)));
window.addEventListener('load', async () => {
  const pictures = [...document.querySelectorAll('img, svg')].filter(e => !e.parentElement.closest('svg'));
  const empty = pictures.filter(e => { const r = e.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  const sources = [...document.querySelectorAll('svg image')].map(e => e.getAttribute('href'))
      .concat([...document.querySelectorAll('img')].map(e => e.getAttribute('src')));
  const decoded = await Promise.all(sources.map(src => new Promise(done => {
    const img = new Image();
    img.onload = () => done(img.naturalWidth > 0 && img.naturalHeight > 0);
    img.onerror = () => done(false);
    img.src = src;
  })));
  const out = document.createElement('pre');
  out.id = 'faq-check';
  out.textContent = JSON.stringify({pictures: pictures.length, empty: empty.length, images: sources.length,
                                    broken: decoded.filter(ok => !ok).length, errors: window.__faqErrors});
  document.body.appendChild(out);
});
</script>)";

std::string WithCheckScript(std::string html) {
  const size_t end = html.rfind("</body>");
  return end == std::string::npos ? html + kCheckScript : html.insert(end, kCheckScript);
}

}  // namespace

BrowserReport CheckPageInBrowser(const std::filesystem::path& page) {
  const std::filesystem::path copy = page.parent_path() / ("checked_" + page.filename().string());
  WriteFileAtomic(copy, WithCheckScript(ReadFile(page)));
  TempDir profile;
  const CommandResult r = Run({"chromium", "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                               "--user-data-dir=" + profile.path().string(), "--enable-logging=stderr", "--v=0",
                               "--virtual-time-budget=10000", "--dump-dom", "file://" + copy.string()});
  BrowserReport report;
  report.dom = r.out;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);) {
    // Console messages of the page: "[..:INFO:CONSOLE(12)] "Uncaught ..."", source: file://...
    if (line.find("CONSOLE") != std::string::npos && line.find("file://") != std::string::npos) {
      report.errors.push_back(line);
    }
  }
  std::smatch m;
  if (std::regex_search(r.out, m, std::regex("<pre id=\"faq-check\">([^<]*)</pre>"))) {
    std::string text = m[1].str();
    text = std::regex_replace(text, std::regex("&quot;"), "\"");
    text = std::regex_replace(text, std::regex("&amp;"), "&");
    const auto j = nlohmann::json::parse(text);
    report.checked = true;
    report.pictures = j["pictures"];
    report.empty_pictures = j["empty"];
    report.embedded_images = j["images"];
    report.broken_images = j["broken"];
    for (const auto& e : j["errors"]) report.errors.push_back(e.get<std::string>());
  }
  if (r.exit_code != 0) report.errors.push_back("chromium exited with " + std::to_string(r.exit_code) + ": " + r.err);
  return report;
}

}  // namespace faq::testing
