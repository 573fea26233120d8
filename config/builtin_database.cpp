#include "config/builtin_database.hpp"

namespace tessera::config {

Result<ReaderDatabase> builtin_reader_database() {
    return ReaderDatabase::parse(builtin_reader_database_text());
}

}  // namespace tessera::config
