#include "cache/memcached_cache.hpp"

#include <libmemcached/memcached.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace tessera {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Error bad_server(std::string_view item, std::string_view why) {
  // Appends: GCC 12 warns falsely about operator+ on a string literal.
  std::string message = "'";
  message += item;
  message += "': ";
  message += why;
  return make_error(Errc::bad_request, std::move(message));
}

// Results that mean the server answered: no back-off for those.
bool is_outage(memcached_return_t rc) {
  switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_STORED:
    case MEMCACHED_NOTFOUND:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_DATA_EXISTS:
    case MEMCACHED_E2BIG:
    case MEMCACHED_SERVER_ERROR:
    case MEMCACHED_SERVER_MEMORY_ALLOCATION_FAILURE:
    case MEMCACHED_MEMORY_ALLOCATION_FAILURE:
    case MEMCACHED_BAD_KEY_PROVIDED:
    case MEMCACHED_KEY_TOO_BIG:
    case MEMCACHED_CLIENT_ERROR:
      return false;
    default:
      return true;
  }
}

// libmemcached's message without the handle's address in front and its source line behind.
std::string describe(const memcached_st* mc, memcached_return_t rc) {
  const char* detail = memcached_last_error_message(mc);
  std::string_view text = detail && *detail ? detail : memcached_strerror(mc, rc);
  if (text.starts_with("(0x")) text.remove_prefix(std::min(text.size(), text.find(") ") + 2));
  text = text.substr(0, text.find(" -> "));
  while (!text.empty() && (text.back() == ' ' || text.back() == ',')) text.remove_suffix(1);
  return std::string(text);
}

// Room memcached needs besides the value in an item (its header, key and flags).
constexpr std::size_t kItemOverhead = 128;
constexpr std::string_view kMagic{"TSR\x01", 4};

}  // namespace

// ---- settings ----

Result<std::vector<MemcachedServer>> parse_memcached_servers(std::string_view list) {
  std::vector<MemcachedServer> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    std::string_view host = item, port;
    bool has_port = false;
    if (item.front() == '[') {
      const auto close = item.find(']');
      if (close == std::string_view::npos) return bad_server(item, "missing ']'");
      host = item.substr(1, close - 1);
      const std::string_view rest = item.substr(close + 1);
      if (!rest.empty() && rest.front() != ':') return bad_server(item, "expected ':' after ']'");
      has_port = !rest.empty();
      if (has_port) port = rest.substr(1);
    } else if (const auto colon = item.find(':'); colon != std::string_view::npos) {
      if (item.find(':', colon + 1) != std::string_view::npos)
        return bad_server(item, "expected host:port (IPv6 addresses in brackets: [::1]:11211)");
      host = item.substr(0, colon);
      port = item.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return bad_server(item, "missing host");
    for (char c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' &&
          !(c == ':' && item.front() == '['))
        return bad_server(item, "not a host name or address");
    MemcachedServer server{std::string(host), 11211};
    if (has_port) {
      unsigned value = 0;
      const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
      if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535)
        return bad_server(item, "port must be 1-65535");
      server.port = static_cast<std::uint16_t>(value);
    }
    out.push_back(std::move(server));
  }
  return out;
}

std::string to_string(const std::vector<MemcachedServer>& servers) {
  std::string out;
  for (const auto& s : servers) {
    if (!out.empty()) out += ',';
    const bool v6 = s.host.find(':') != std::string::npos;
    out += v6 ? "[" + s.host + "]" : s.host;
    out += ':';
    out += std::to_string(s.port);
  }
  return out;
}

// ---- value framing and key digest ----

std::string frame_value(std::string_view key, std::string_view bytes) {
  std::string out;
  out.reserve(kMagic.size() + 4 + key.size() + bytes.size());
  out += kMagic;
  const auto n = static_cast<std::uint32_t>(key.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  out += key;
  out += bytes;
  return out;
}

std::optional<std::string> unframe_value(std::string_view key, std::string_view stored) {
  constexpr std::size_t header = kMagic.size() + 4;
  if (stored.size() < header || stored.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  std::uint32_t n = 0;
  for (std::size_t i = kMagic.size(); i < header; ++i)
    n = (n << 8) | static_cast<unsigned char>(stored[i]);
  if (n != key.size() || stored.size() - header < n || stored.substr(header, n) != key)
    return std::nullopt;
  return std::string(stored.substr(header + n));
}

std::string key_digest_hex(std::string_view data) {
  // Not a security boundary (values carry their full key), so a fast 128-bit hash will do.
  const XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (std::uint64_t word : {h.high64, h.low64})
    for (int shift = 60; shift >= 0; shift -= 4) out += hex[(word >> shift) & 0xF];
  return out;
}

// ---- the cache ----

// Clones of one configured handle, lent to one caller at a time (a memcached_st is not
// thread-safe). Not libmemcachedutil's pool: its timed wait rounds the deadline down to a whole
// second, so a short wait often returns at once.
struct MemcachedCache::Clients {
  memcached_st* master = nullptr;  // configured once, never used for requests
  std::size_t max = 1;
  std::mutex mutex;
  std::condition_variable freed;
  std::vector<memcached_st*> idle;
  std::size_t created = 0;

  ~Clients() {
    for (memcached_st* mc : idle) memcached_free(mc);
    if (master) memcached_free(master);
  }

  memcached_st* acquire(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex);
    if (idle.empty() && created >= max &&
        !freed.wait_for(lock, wait, [this] { return !idle.empty(); }))
      return nullptr;
    if (!idle.empty()) {
      memcached_st* mc = idle.back();
      idle.pop_back();
      return mc;
    }
    memcached_st* mc = memcached_clone(nullptr, master);  // no I/O: connects on first use
    if (mc) ++created;
    return mc;
  }

  void release(memcached_st* mc) {
    {
      std::lock_guard lock(mutex);
      idle.push_back(mc);
    }
    freed.notify_one();
  }
};

// One client for the duration of an operation.
class MemcachedCache::Lease {
 public:
  Lease(Clients& clients, std::chrono::milliseconds wait)
      : clients_(clients), mc_(clients.acquire(wait)) {}
  ~Lease() {
    if (mc_) clients_.release(mc_);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  memcached_st* get() const noexcept { return mc_; }

 private:
  Clients& clients_;
  memcached_st* mc_;
};

MemcachedCache::MemcachedCache(MemcachedOptions options)
    : options_(std::move(options)), clients_(std::make_unique<Clients>()) {}

MemcachedCache::~MemcachedCache() = default;

Result<std::shared_ptr<MemcachedCache>> MemcachedCache::create(MemcachedOptions options) {
  if (options.servers.empty()) return make_error(Errc::internal, "memcached: no servers");
  if (options.key_prefix.size() > 100) return make_error(Errc::internal, "memcached: long prefix");
  for (char c : options.key_prefix)
    if (!std::isgraph(static_cast<unsigned char>(c)))
      return make_error(Errc::internal, "memcached: the key prefix must be printable, no spaces");
  if (!options.digest) options.digest = key_digest_hex;
  options.max_clients = std::max<std::uint32_t>(1, options.max_clients);

  std::shared_ptr<MemcachedCache> cache(new MemcachedCache(std::move(options)));
  const MemcachedOptions& o = cache->options_;
  Clients& clients = *cache->clients_;
  clients.master = memcached_create(nullptr);
  if (!clients.master) return make_error(Errc::internal, "memcached: cannot create a client");
  memcached_st* mc = clients.master;
  const auto ms = static_cast<std::uint64_t>(o.io_timeout.count());
  // Non-blocking sockets make the connect timeout apply; poll, send and receive bound the rest.
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, ms);
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, ms);
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, ms * 1000);
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, ms * 1000);
  // Our own back-off decides when to try again; libmemcached must not keep a server dead longer.
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
  // Consistent hashing: instances listing the same servers in any order agree on placement.
  memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                         MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
  for (const MemcachedServer& s : o.servers) {
    const memcached_return_t rc = memcached_server_add(mc, s.host.c_str(), s.port);
    if (memcached_failed(rc))
      return make_error(Errc::internal, "memcached: cannot add server " + s.host + ": " +
                                            memcached_strerror(mc, rc));
  }
  clients.max = o.max_clients;
  return cache;
}

std::string MemcachedCache::memcached_key(std::string_view key) const {
  return options_.key_prefix + options_.digest(key);
}

bool MemcachedCache::should_try() {
  std::int64_t retry = retry_at_.load();
  if (retry == 0) return true;
  const std::int64_t now = now_ns();
  if (now < retry) return false;
  // One caller probes; the others keep skipping until it has succeeded or failed.
  const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.retry_after);
  return retry_at_.compare_exchange_strong(retry, now + pause.count());
}

void MemcachedCache::on_success() {
  if (retry_at_.load() != 0 && retry_at_.exchange(0) != 0)
    spdlog::info("memcached {}: reachable again", to_string(options_.servers));
}

void MemcachedCache::on_outage(const std::string& what) {
  ++failures_;
  const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.retry_after);
  retry_at_.store(now_ns() + pause.count());
  warn(what + "; serving from the local cache, retrying every " +
       std::to_string(options_.retry_after.count()) + " ms");
}

void MemcachedCache::warn(const std::string& what) {
  const std::int64_t now = now_ns();
  std::int64_t last = last_warn_.load();
  const auto every = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.warn_every);
  if (last != 0 && now - last < every.count()) return;
  if (!last_warn_.compare_exchange_strong(last, now)) return;
  spdlog::warn("memcached {}: {}", to_string(options_.servers), what);
}

std::optional<std::string> MemcachedCache::get(std::string_view key) {
  if (!should_try()) {
    ++misses_;
    return std::nullopt;
  }
  Lease lease(*clients_, options_.io_timeout);
  if (!lease.get()) {  // every client busy: a miss, not an outage
    ++misses_;
    return std::nullopt;
  }
  const std::string mkey = memcached_key(key);
  std::size_t length = 0;
  std::uint32_t flags = 0;
  memcached_return_t rc = MEMCACHED_FAILURE;
  // libmemcached allocates the value with malloc (its default allocator).
  std::unique_ptr<char, decltype(&std::free)> value(
      memcached_get(lease.get(), mkey.data(), mkey.size(), &length, &flags, &rc), &std::free);
  if (rc == MEMCACHED_SUCCESS) {
    on_success();
    auto out = unframe_value(key, value ? std::string_view(value.get(), length) : "");
    ++(out ? hits_ : misses_);
    return out;
  }
  ++misses_;
  if (rc == MEMCACHED_NOTFOUND)
    on_success();
  else if (is_outage(rc))
    on_outage(describe(lease.get(), rc));
  else
    warn("get: " + describe(lease.get(), rc));
  return std::nullopt;
}

void MemcachedCache::put(std::string_view key, std::string_view bytes) {
  const std::string mkey = memcached_key(key);
  const std::size_t size = kMagic.size() + 4 + key.size() + bytes.size();
  if (size + mkey.size() + kItemOverhead > options_.max_item_bytes) {
    spdlog::debug("memcached: {} bytes are over the item limit; not stored", bytes.size());
    return;
  }
  if (!should_try()) return;
  Lease lease(*clients_, options_.io_timeout);
  if (!lease.get()) return;
  const std::string framed = frame_value(key, bytes);
  const memcached_return_t rc =
      memcached_set(lease.get(), mkey.data(), mkey.size(), framed.data(), framed.size(),
                    static_cast<std::time_t>(options_.expiry_seconds), 0);
  if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_STORED)
    on_success();
  else if (is_outage(rc))
    on_outage(describe(lease.get(), rc));
  else
    warn("set: " + describe(lease.get(), rc));
}

CacheStats MemcachedCache::stats() const {
  CacheStats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  return s;
}

}  // namespace tessera
