#include "corpus_readers.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "transport/class_descriptor.hpp"
#include "tools/reader_dump.hpp"

namespace tessera::usbreader {

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

Corpus load_corpus(const std::filesystem::path& directory) {
    Corpus corpus;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.path().extension() == ".txt") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        const std::string name = path.filename().string();
        ++corpus.files;
        const auto dumps = corpus::parse_reader_dumps(read_text(path));
        if (!dumps || dumps->empty()) {
            corpus.unreadable.push_back(name + ": " + (dumps ? "no device" : dumps.error().message()));
            continue;
        }
        const corpus::ReaderDump& dump = dumps->front();
        const auto interfaces = static_cast<std::size_t>(std::count_if(
            dump.interfaces.begin(), dump.interfaces.end(), [](const auto& i) { return i.ccid.has_value(); }));
        for (std::size_t index = 0; index < interfaces; ++index) {
            const std::string reader_name = index == 0 ? name : name + "#" + std::to_string(index);
            emulator::DumpModelOptions options;
            options.ccid_interface = index;
            options.no_card = true;
            auto config = emulator::from_dump(dump, options);
            if (!config) {
                corpus.not_modelled.emplace(reader_name,
                                            static_cast<emulator::DumpModelError>(config.error().value()));
                continue;
            }
            corpus.readers.push_back({reader_name, index, std::move(config).value()});
        }
    }
    return corpus;
}

std::string behaviour_key(const emulator::ReaderConfig& config) {
    std::ostringstream key;
    const auto raw = transport::encode_class_descriptor(config.descriptor);
    key << to_hex(raw) << '/' << int{config.interface_class} << '/'
        << int{config.endpoints.interrupt_in.has_value()} << '/';
    for (const auto clock : config.clocks_khz) key << clock << ',';
    key << '/';
    for (const auto rate : config.data_rates_bps) key << rate << ',';
    return key.str();
}

}  // namespace tessera::usbreader
