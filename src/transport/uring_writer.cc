#include "transport/uring_writer.h"

#include <liburing.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "transport/tcp_connection.h"

namespace sb::transport {

struct UringWriter::Ring {
  io_uring ring{};
  unsigned entries = 0;
  bool ready = false;
  bool fd_registered = false;
  ~Ring() {
    if (ready) io_uring_queue_exit(&ring);
  }
};

UringWriter::UringWriter(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {}

UringWriter::~UringWriter() = default;

std::unique_ptr<UringWriter> UringWriter::create(unsigned entries, std::string& error) {
  auto ring = std::make_unique<Ring>();
  // No SINGLE_ISSUER: the loop is built on one thread and run on another. Every send
  // completes while it is submitted, so there is no task work for DEFER_TASKRUN to save.
  int status = io_uring_queue_init(entries, &ring->ring, 0);
  if (status < 0) {
    error = std::string("io_uring_queue_init: ") + std::strerror(-status);
    return nullptr;
  }
  ring->ready = true;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring->ring);
  bool sends = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_SEND);
  if (probe != nullptr) io_uring_free_probe(probe);
  if (!sends) {
    error = "io_uring without IORING_OP_SEND (Linux 5.6 or later is needed)";
    return nullptr;
  }
  ring->entries = ring->ring.sq.ring_entries;
  return std::unique_ptr<UringWriter>(new UringWriter(std::move(ring)));
}

void UringWriter::flush(std::vector<TcpConnection*>& dirty) {
  if (!ring_->fd_registered) {
    // Saves a descriptor lookup per submission. A registration belongs to the thread that
    // makes it, so it is made here, on the loop's thread; a kernel without it works the same.
    ring_->fd_registered = true;
    io_uring_register_ring_fd(&ring_->ring);
  }
  // Connections marked dirty from here on (while results are taken) land in `dirty` again.
  batch_.swap(dirty);
  dirty.clear();
  size_t next = 0;
  while (next < batch_.size()) next = write_chunk(next);
  batch_.clear();
  for (size_t i = 0; i < self_flushing_.size(); ++i) self_flushing_[i]->flush();
  self_flushing_.clear();
}

size_t UringWriter::write_chunk(size_t first) {
  io_uring* ring = &ring_->ring;
  queued_.clear();
  size_t i = first;
  for (; i < batch_.size() && queued_.size() < ring_->entries; ++i) {
    TcpConnection* connection = batch_[i];
    if (connection->secure()) {
      self_flushing_.push_back(connection);
      continue;
    }
    TcpConnection::PendingWrite write;
    if (!connection->start_batched_write(write)) continue;
    // Never null: a chunk queues at most the ring's size and the ring is empty between chunks.
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_send(sqe, write.fd, write.data, write.length, MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, queued_.size());
    queued_.push_back(connection);
  }
  if (queued_.empty()) return i;

  // Every result is collected before any is applied: applying one can close a connection,
  // whose callbacks may append to another's buffer, and no send may still be reading it.
  results_.assign(queued_.size(), 0);
  size_t completed = 0;
  while (completed < queued_.size()) {
    int status = io_uring_submit_and_wait(ring, static_cast<unsigned>(queued_.size() - completed));
    submissions_.fetch_add(1, std::memory_order_relaxed);
    if (status < 0 && status != -EINTR && status != -EAGAIN && status != -EBUSY) {
      // The sends still queued point into buffers the loop is about to change: going on
      // could write stale bytes to a client, so this is fatal, as a failing epoll_wait is.
      std::fprintf(stderr, "switchboard: io_uring_submit: %s\n", std::strerror(-status));
      std::abort();
    }
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
      results_[io_uring_cqe_get_data64(cqe)] = cqe->res;
      ++seen;
    }
    io_uring_cq_advance(ring, seen);
    completed += seen;
  }
  sends_.fetch_add(queued_.size(), std::memory_order_relaxed);
  for (size_t k = 0; k < queued_.size(); ++k) queued_[k]->finish_batched_write(results_[k]);
  return i;
}

}  // namespace sb::transport
