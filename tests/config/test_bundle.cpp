// The bundle on disk: paths from the library's location, adding a reader to an installed
// Info.plist, and the atomic replacement that leaves the original intact on any failure.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "config/bundle.hpp"
#include "config/file_io.hpp"

using namespace tessera::config;
namespace fs = std::filesystem;

namespace {

const std::string kInfoPlist =
    "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n<dict>\n"
    "\t<key>ifdVendorID</key>\n\t<array>\n\t\t<string>0x072F</string>\n\t</array>\n"
    "\t<key>ifdProductID</key>\n\t<array>\n\t\t<string>0x90CC</string>\n\t</array>\n"
    "\t<key>ifdFriendlyName</key>\n\t<array>\n\t\t<string>ACS ACR38</string>\n\t</array>\n"
    "</dict>\n</plist>\n";

/// A bundle directory in a fresh temporary directory, removed afterwards.
class TemporaryBundle {
  public:
    TemporaryBundle() {
        std::string pattern = (fs::temp_directory_path() / "tessera-bundle-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        root_ = pattern;
        fs::create_directories(contents());
        write(kInfoPlist);
    }
    ~TemporaryBundle() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    TemporaryBundle(const TemporaryBundle&) = delete;
    TemporaryBundle& operator=(const TemporaryBundle&) = delete;

    fs::path bundle() const { return root_ / "tessera.bundle"; }
    fs::path contents() const { return bundle() / "Contents"; }
    fs::path info_plist() const { return contents() / "Info.plist"; }

    void write(const std::string& text) const {
        std::ofstream(info_plist(), std::ios::binary) << text;
    }
    std::string read() const {
        std::ifstream file(info_plist(), std::ios::binary);
        std::stringstream text;
        text << file.rdbuf();
        return text.str();
    }
    std::size_t files_in_contents() const {
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& entry : fs::directory_iterator(contents())) {
            ++count;
        }
        return count;
    }

  private:
    fs::path root_;
};

/// Limits the size of files this process may write, for one scope (root included).
class FileSizeLimit {
  public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
        previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  private:
    rlimit saved_{};
    void (*previous_handler_)(int) = SIG_DFL;
};

}  // namespace

TEST_CASE("the Info.plist and the bundle are found from the library's path") {
    CHECK(info_plist_path("/usr/lib/pcsc/drivers/tessera.bundle") ==
          fs::path("/usr/lib/pcsc/drivers/tessera.bundle/Contents/Info.plist"));
    CHECK(bundle_of_library(
              "/usr/lib/pcsc/drivers/tessera.bundle/Contents/Linux/libtessera_ifd.so") ==
          fs::path("/usr/lib/pcsc/drivers/tessera.bundle"));
    CHECK(bundle_of_library("/tmp/x/tessera.bundle/Contents/MacOS/tessera_ifd") ==
          fs::path("/tmp/x/tessera.bundle"));
    CHECK(bundle_of_library("relative.bundle/Contents/Linux/lib.so") ==
          fs::path("relative.bundle"));
    CHECK_FALSE(bundle_of_library("/usr/lib/libtessera_ifd.so").has_value());
    CHECK_FALSE(bundle_of_library("Contents/Linux/lib.so").has_value());
    CHECK_FALSE(bundle_of_library("lib.so").has_value());
}

TEST_CASE("a reader added to a bundle is in its Info.plist, with the file's permissions kept") {
    TemporaryBundle bundle;
    REQUIRE(::chmod(bundle.info_plist().c_str(), 0640) == 0);
    BundleDiagnostics diagnostics;
    const std::error_code error = add_reader_to_bundle(bundle.bundle(), 0x1209, 0x0001,
                                                       "tessera emulated reader", diagnostics);
    REQUIRE_MESSAGE(!error, diagnostics.message);
    const auto root = parse_plist(bundle.read());
    REQUIRE(root.has_value());
    const auto readers = listed_readers(*root, diagnostics);
    REQUIRE(readers.has_value());
    REQUIRE(readers->size() == 2);
    CHECK(readers->back() == ListedReader{0x1209, 0x0001, "tessera emulated reader"});
    struct stat status {};
    REQUIRE(::stat(bundle.info_plist().c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0640);
    CHECK(bundle.files_in_contents() == 1);
}

TEST_CASE("a refused edit leaves the Info.plist byte for byte as it was") {
    TemporaryBundle bundle;
    BundleDiagnostics diagnostics;
    CHECK(add_reader_to_bundle(bundle.bundle(), 0x072F, 0x90CC, "Again", diagnostics) ==
          BundleError::reader_already_listed);
    CHECK(diagnostics.message.find("Info.plist") != std::string::npos);
    CHECK(add_reader_to_bundle(bundle.bundle(), 0x1209, 0x0001, "bad & name") ==
          BundleError::bad_reader_name);
    CHECK(bundle.read() == kInfoPlist);
    bundle.write("<plist><dict>");
    CHECK(add_reader_to_bundle(bundle.bundle(), 0x1209, 0x0001, "Reader") == PlistError::truncated);
    CHECK(bundle.read() == "<plist><dict>");
    CHECK(bundle.files_in_contents() == 1);
}

TEST_CASE("a missing bundle or an oversized Info.plist is an error") {
    TemporaryBundle bundle;
    CHECK(add_reader_to_bundle(bundle.bundle() / "nowhere", 1, 2, "X") ==
          std::errc::no_such_file_or_directory);
    bundle.write(std::string(kMaxInfoPlistBytes + 1, ' '));
    CHECK(add_reader_to_bundle(bundle.bundle(), 1, 2, "X") == std::errc::file_too_large);
    CHECK(read_text_file(bundle.info_plist(), 10).error() == std::errc::file_too_large);
    CHECK(read_text_file(bundle.info_plist(), kMaxInfoPlistBytes + 1)->size() ==
          kMaxInfoPlistBytes + 1);
}

TEST_CASE("a write that fails midway leaves the original intact and no temporary file") {
    TemporaryBundle bundle;
    const std::string replacement(64 * 1024, 'x');
    std::error_code error;
    {
        FileSizeLimit limit(4096);
        error = write_file_atomically(bundle.info_plist(), replacement);
    }
    CHECK(error == std::errc::file_too_large);
    CHECK(bundle.read() == kInfoPlist);
    CHECK(bundle.files_in_contents() == 1);

    CHECK_FALSE(write_file_atomically(bundle.info_plist(), replacement));
    CHECK(bundle.read() == replacement);
    CHECK(bundle.files_in_contents() == 1);
}

TEST_CASE("an atomic write creates a missing file with mode 0644") {
    TemporaryBundle bundle;
    const fs::path created = bundle.contents() / "new.txt";
    CHECK_FALSE(write_file_atomically(created, "hello"));
    CHECK(read_text_file(created, 100).value() == "hello");
    struct stat status {};
    REQUIRE(::stat(created.c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0644);
    CHECK(write_file_atomically(bundle.contents() / "missing" / "x", "y") ==
          std::errc::no_such_file_or_directory);
}
