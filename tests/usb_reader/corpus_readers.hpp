// The reader corpus (tests/data/readers, $TESSERA_READER_CORPUS) as emulated reader
// configurations: every CCID interface of every dump that config_from_dump.hpp can model,
// with no card inserted (the tests insert theirs), and why the others cannot be.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/emulator/model/config_from_dump.hpp"
#include "tests/emulator/model/reader_config.hpp"

namespace tessera::usbreader {

struct CorpusReader {
    std::string name;                // the dump's file name, "#N" added for interface N > 0
    std::size_t interface_index = 0;  // among the dump's CCID interfaces
    emulator::ReaderConfig config;   // from_dump(), every slot empty
};

struct Corpus {
    std::size_t files = 0;
    std::vector<CorpusReader> readers;                       // sorted by name
    std::map<std::string, emulator::DumpModelError> not_modelled;  // name -> reason
    std::vector<std::string> unreadable;                     // "name: parse error"
};

/// Reads every *.txt dump of `directory` (the first device of each). Pure apart from
/// reading the files.
Corpus load_corpus(const std::filesystem::path& directory);

/// What the driver's behaviour with an emulated reader depends on: the class descriptor,
/// the clock and data-rate lists, the interface class and the endpoints. Readers with the
/// same key are the same reader to the code under test (identity strings aside).
std::string behaviour_key(const emulator::ReaderConfig& config);

}  // namespace tessera::usbreader
