// HttpSession on a libcurl easy handle.
#include "faq/client/http_session.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string_view>

#include "faq/util/error.h"

namespace faq {
namespace {

// curl_global_init is not guaranteed thread-safe on every libcurl build: run it once.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl: global initialisation failed");
  });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    *static_cast<std::string*>(user) = std::string(value);
  }
  return size * count;
}

}  // namespace

HttpSession::HttpSession() {
  InitCurlOnce();
  curl_ = curl_easy_init();
  if (!curl_) throw Error("libcurl: cannot create an easy handle");
}

HttpSession::~HttpSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpSession::PostJson(const std::string& url, const std::string& body,
                                 const std::vector<std::string>& headers, double timeout_seconds) {
  CURL* curl = static_cast<CURL*>(curl_);
  HttpResult result;
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  // A 100-continue round trip per request buys nothing against an API server.
  list = curl_slist_append(list, "Expect:");
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  // Reset keeps the connection cache: the next request to the same host reuses the socket.
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.retry_after);
  // Without this, libcurl's resolver timeout uses SIGALRM, which is unsafe with threads.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(1.0, timeout_seconds * 1000)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::clamp(timeout_seconds * 1000, 1.0, 30000.0)));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (code != CURLE_OK) {
    // CURLE_PARTIAL_FILE is a body cut short of its Content-Length: retryable like a reset.
    result.transport_error = fmt::format("{} ({})", error[0] ? error : curl_easy_strerror(code), curl_easy_strerror(code));
    result.url_error = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
    result.body.clear();
    return result;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace faq
