#include "config/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

#include <vector>

namespace tessera::config {

namespace {

std::error_code last_error() {
    return {errno, std::system_category()};
}

/// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { close(); }
    int get() const { return fd_; }
    int close() {
        const int result = fd_ >= 0 ? ::close(fd_) : 0;
        fd_ = -1;
        return result;
    }

  private:
    int fd_;
};

std::error_code write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

}  // namespace

Result<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_bytes) {
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        return last_error();
    }
    std::string content;
    std::vector<char> buffer(64 * 1024);
    while (true) {
        const ssize_t got = ::read(file.get(), buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        if (got == 0) {
            return content;
        }
        if (content.size() + static_cast<std::size_t>(got) > max_bytes) {
            return std::make_error_code(std::errc::file_too_large);
        }
        content.append(buffer.data(), static_cast<std::size_t>(got));
    }
}

std::error_code write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    mode_t mode = 0644;
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0) {
        mode = existing.st_mode & 07777;
    } else if (errno != ENOENT) {
        return last_error();
    }
    const std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
    std::string temporary = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
    FileDescriptor file(::mkstemp(temporary.data()));
    if (file.get() < 0) {
        return last_error();
    }
    std::error_code error = write_all(file.get(), content);
    if (!error && ::fchmod(file.get(), mode) != 0) {
        error = last_error();
    }
    if (!error && ::fsync(file.get()) != 0) {
        error = last_error();
    }
    if (file.close() != 0 && !error) {
        error = last_error();
    }
    if (!error && ::rename(temporary.c_str(), path.c_str()) != 0) {
        error = last_error();
    }
    if (error) {
        ::unlink(temporary.c_str());
        return error;
    }
    FileDescriptor parent(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent.get() >= 0) {
        ::fsync(parent.get());  // best effort: the rename is done either way
    }
    return {};
}

}  // namespace tessera::config
