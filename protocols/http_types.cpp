#include "protocols/http_types.hpp"

#include <strings.h>

#include <spdlog/spdlog.h>

#include <future>

namespace tessera {

std::string_view Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

std::string_view Request::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  const std::string_view t = target;
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

void Response::set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n.size() == name.size() && ::strncasecmp(n.c_str(), name.c_str(), n.size()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return {};
}

Production produce(const Coalesced& work) {
  try {
    return work.compute();
  } catch (const std::exception& e) {
    // Every waiter must get an answer, so nothing may escape past finish().
    spdlog::error("computing {} failed: {}", work.key, e.what());
    return make_error(Errc::internal, "internal error");
  }
}

Response resolve_now(Reply reply) {
  if (auto* deferred = std::get_if<Deferred>(&reply)) return resolve_now(deferred->work());
  if (auto* shared = std::get_if<Coalesced>(&reply)) {
    // Blocks while another thread computes the same key: only workers and tests get here.
    auto done = std::make_shared<std::promise<Response>>();
    auto answer = done->get_future();
    const bool first = shared->group->join(
        shared->key, [done, respond = shared->respond](const Production& p, bool computed) {
          Response r = respond(p);
          if (!computed) r.cache = CacheOutcome::coalesced;
          done->set_value(std::move(r));
        });
    if (first) shared->group->finish(shared->key, produce(*shared));
    return answer.get();
  }
  return std::get<Response>(std::move(reply));
}

Response make_response(unsigned status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.set("Content-Type", std::move(content_type));
  r.body = std::make_shared<const std::string>(std::move(body));
  return r;
}

Response error_response(const Error& error) {
  Response r = make_response(error.status(), "text/plain; charset=utf-8", error.message + "\n");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace tessera
