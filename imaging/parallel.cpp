#include "imaging/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace tessera {
namespace {

struct Job {
  std::size_t n = 0;
  const std::function<void(std::size_t)>* body = nullptr;  // valid while items remain unclaimed
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;  // guarded by mutex
  std::mutex mutex;
  std::condition_variable finished;

  void work() {
    std::size_t completed = 0;
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      (*body)(i);
      ++completed;
    }
    if (completed == 0) return;
    std::lock_guard lock(mutex);
    done += completed;
    if (done == n) finished.notify_all();
  }
};

}  // namespace

void parallel_for(std::size_t n, const Spawn& spawn, unsigned helpers,
                  const std::function<void(std::size_t)>& body) {
  if (n == 0) return;
  if (n == 1 || !spawn || helpers == 0) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  auto job = std::make_shared<Job>();
  job->n = n;
  job->body = &body;
  const std::size_t extra = std::min<std::size_t>(helpers, n - 1);
  for (std::size_t h = 0; h < extra; ++h) spawn([job] { job->work(); });
  job->work();
  std::unique_lock lock(job->mutex);
  job->finished.wait(lock, [&] { return job->done == n; });
}

}  // namespace tessera
