#include "config/bundle.hpp"

#include "config/file_io.hpp"

namespace tessera::config {

std::filesystem::path info_plist_path(const std::filesystem::path& bundle) {
    return bundle / "Contents" / "Info.plist";
}

std::optional<std::filesystem::path> bundle_of_library(const std::filesystem::path& library) {
    const std::filesystem::path platform_directory = library.parent_path();
    const std::filesystem::path contents = platform_directory.parent_path();
    if (library.filename().empty() || platform_directory.filename().empty() ||
        contents.filename() != "Contents" || contents.parent_path().empty()) {
        return std::nullopt;
    }
    return contents.parent_path();
}

std::error_code add_reader_to_bundle(const std::filesystem::path& bundle, std::uint16_t vendor_id,
                                     std::uint16_t product_id, std::string_view name,
                                     BundleDiagnostics& diagnostics) {
    diagnostics = {};
    const std::filesystem::path path = info_plist_path(bundle);
    const auto text = read_text_file(path, kMaxInfoPlistBytes);
    if (!text) {
        diagnostics.message = "cannot read " + path.string() + ": " + text.error().message();
        return text.error();
    }
    const auto edited = add_reader_to_info_plist(*text, vendor_id, product_id, name, diagnostics);
    if (!edited) {
        diagnostics.message = path.string() + ": " + diagnostics.message;
        return edited.error();
    }
    if (const std::error_code error = write_file_atomically(path, *edited)) {
        diagnostics.message = "cannot write " + path.string() + ": " + error.message();
        return error;
    }
    return {};
}

std::error_code add_reader_to_bundle(const std::filesystem::path& bundle, std::uint16_t vendor_id,
                                     std::uint16_t product_id, std::string_view name) {
    BundleDiagnostics diagnostics;
    return add_reader_to_bundle(bundle, vendor_id, product_id, name, diagnostics);
}

}  // namespace tessera::config
