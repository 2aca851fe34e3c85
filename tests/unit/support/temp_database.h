#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sb::test_support {

// A fresh SQLite file for one test, removed with its WAL files when the test ends.
class TempDatabase {
 public:
  TempDatabase() {
    char pattern[] = "/tmp/sb-store-XXXXXX";
    int fd = mkstemp(pattern);
    if (fd < 0) std::abort();
    close(fd);
    path_ = pattern;
  }
  ~TempDatabase() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sb::test_support
