#pragma once
// Splitting one large job over the worker pool. The caller works on the items too, and helpers
// that start late find nothing left, so a job never waits on a busy pool (no deadlock when every
// worker is itself inside a parallel job).

#include <cstddef>
#include <functional>

namespace tessera {

// Runs a task on some other thread (the server posts it to its worker pool). Empty: no helpers.
using Spawn = std::function<void(std::function<void()>)>;

// Calls body(i) for every i in [0, n), on the calling thread and up to `helpers` spawned ones,
// and returns when all calls have returned.
void parallel_for(std::size_t n, const Spawn& spawn, unsigned helpers,
                  const std::function<void(std::size_t)>& body);

}  // namespace tessera
