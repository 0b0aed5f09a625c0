// OpenAiServer: cpp-httplib routes over the handlers, bounded bodies, OpenAI-style errors
// for every failure, and an orderly stop (the engine first, so handlers waiting on the
// model answer before the HTTP workers are joined).
#include "faq/serve/openai_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "api_error.h"
#include "api_handlers.h"
#include "faq/util/error.h"
#include "served_model.h"
#include "token_stream.h"

namespace faq {

using serve::ApiError;
using serve::ErrorBody;

namespace serve {

std::string ResponseId(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t process_salt = std::random_device{}();
  return fmt::format("{}-{:08x}{:016x}", prefix, static_cast<uint32_t>(process_salt), counter.fetch_add(1) + 1);
}

nlohmann::ordered_json CompletionResponse(const char* id_prefix, const char* object, const std::string& model,
                                          nlohmann::ordered_json choices, int64_t prompt_tokens,
                                          int64_t completion_tokens) {
  return {{"id", ResponseId(id_prefix)},
          {"object", object},
          {"created", static_cast<int64_t>(std::time(nullptr))},
          {"model", model},
          {"choices", std::move(choices)},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}}}};
}

nlohmann::ordered_json ModelList(const ServedModel& model) {
  nlohmann::ordered_json card = {{"id", model.name},
                                 {"object", "model"},
                                 {"created", static_cast<int64_t>(std::time(nullptr))},
                                 {"owned_by", "faq"},
                                 {"root", model.dir.string()},
                                 {"max_model_len", model.Context()}};
  return {{"object", "list"}, {"data", nlohmann::ordered_json::array({card})}};
}

}  // namespace serve

namespace {

std::string DefaultName(const std::filesystem::path& dir) {
  std::filesystem::path p = dir.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

// Token pieces can be partial UTF-8; invalid bytes become U+FFFD instead of failing the dump.
std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

struct OpenAiServer::Impl {
  ServeOptions options;
  std::unique_ptr<serve::ServedModel> model;
  httplib::Server http;
  std::thread listener;
  int port = 0;
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool started = false, stopped = false;
  std::atomic<uint64_t> ok{0}, failed{0}, prompt_tokens{0}, completion_tokens{0};

  void Route();
  void Answer(httplib::Response& res, const std::function<serve::Reply()>& handler);
  void Stream(httplib::Response& res, std::shared_ptr<serve::TokenStream> stream);
};

void OpenAiServer::Impl::Answer(httplib::Response& res, const std::function<serve::Reply()>& handler) {
  try {
    serve::Reply reply = handler();
    res.status = 200;
    ++ok;
    if (reply.stream) {
      Stream(res, std::move(reply.stream));
      return;
    }
    const nlohmann::ordered_json& out = reply.body;
    if (out.contains("usage")) {
      prompt_tokens += out["usage"]["prompt_tokens"].get<uint64_t>();
      completion_tokens += out["usage"]["completion_tokens"].get<uint64_t>();
    }
    res.set_content(Dump(out), "application/json");
    return;
  } catch (const ApiError& e) {
    spdlog::info("request refused ({}): {}", e.status(), e.what());
    res.status = e.status();
    res.set_content(Dump(e.Body()), "application/json");
  } catch (const std::exception& e) {
    // A failure in the model or the engine: this request fails, the server goes on.
    spdlog::error("request failed: {}", e.what());
    res.status = 500;
    res.set_content(Dump(ErrorBody(e.what(), "server_error", "", "")), "application/json");
  }
  ++failed;
}

void OpenAiServer::Impl::Stream(httplib::Response& res, std::shared_ptr<serve::TokenStream> stream) {
  // The worker thread calls the provider until done; each call waits for the next event.
  res.set_chunked_content_provider("text/event-stream", [this, stream](size_t, httplib::DataSink& sink) {
    std::string event;
    if (!stream->Next(event)) {
      prompt_tokens += static_cast<uint64_t>(stream->PromptTokens());
      completion_tokens += static_cast<uint64_t>(stream->CompletionTokens());
      sink.done();
      return true;
    }
    return sink.write(event.data(), event.size());  // false: the client has gone
  });
  res.set_header("Cache-Control", "no-cache");
}

void OpenAiServer::Impl::Route() {
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Dump(serve::ModelList(*model)), "application/json");
  });
  http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&] { return serve::ChatCompletion(*model, req.body); });
  });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&] { return serve::TextCompletion(*model, req.body); });
  });
  // Unknown paths, wrong methods and oversized bodies (413) reach here with no body yet.
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 413 ? fmt::format("the request body exceeds {} bytes", options.max_body_bytes)
                          : res.status == 404 ? fmt::format("no route {} {}", req.method, req.path)
                                              : fmt::format("HTTP {}", res.status);
    ++failed;
    res.set_content(Dump(ErrorBody(message, "invalid_request_error", "", "")), "application/json");
  });
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    ++failed;
    res.status = 500;
    res.set_content(Dump(ErrorBody(message, "server_error", "", "")), "application/json");
  });
}

OpenAiServer::OpenAiServer(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.max_batch < 1) throw UsageError(fmt::format("--max-batch must be at least 1, got {}", options.max_batch));
  if (options.port < 0 || options.port > 65535) {
    throw UsageError(fmt::format("--port must be in [0, 65535], got {}", options.port));
  }
  if (options.served_model_name.empty()) options.served_model_name = DefaultName(options.model_dir);
  impl_->options = options;
  impl_->model = std::make_unique<serve::ServedModel>(options.model_dir, options.served_model_name, options.max_batch,
                                                       options.device, options.dtype);
  const int threads = options.http_threads > 0 ? options.http_threads : 2 * options.max_batch + 4;
  impl_->http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl_->http.set_payload_max_length(options.max_body_bytes);
  impl_->Route();
}

OpenAiServer::~OpenAiServer() { Stop(); }

int OpenAiServer::Start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->started) return impl_->port;
  const auto& o = impl_->options;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
  } else {
    impl_->port = impl_->http.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->port <= 0) Fail("faq serve: cannot listen on {}:{} (address in use or not local?)", o.host, o.port);
  impl_->started = true;
  impl_->listener = std::thread([impl = impl_.get()] {
    impl->http.listen_after_bind();
    std::lock_guard done(impl->mutex);
    impl->stopped = true;
    impl->stopped_cv.notify_all();
  });
  spdlog::info("serving '{}' at {}", impl_->options.served_model_name, BaseUrl());
  return impl_->port;
}

void OpenAiServer::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->started) {
      impl_->model->engine->Stop();
      return;
    }
  }
  impl_->model->engine->Stop();
  impl_->http.stop();
  if (impl_->listener.joinable() && impl_->listener.get_id() != std::this_thread::get_id()) impl_->listener.join();
}

void OpenAiServer::Wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->stopped_cv.wait(lock, [&] { return !impl_->started || impl_->stopped; });
}

std::string OpenAiServer::BaseUrl() const {
  const std::string& host = impl_->options.host;
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}:{}/v1", ipv6 ? "[" + host + "]" : host, impl_->port);
}

const std::string& OpenAiServer::ModelName() const { return impl_->options.served_model_name; }

int OpenAiServer::Port() const { return impl_->port; }

ServeStats OpenAiServer::Stats() const {
  return {impl_->ok.load(), impl_->failed.load(), impl_->prompt_tokens.load(), impl_->completion_tokens.load()};
}

}  // namespace faq
