// The append-only SQLite log of a study directory (cli/results_log.hpp).
#include "cli/results_log.hpp"

#include <csignal>
#include <cstring>
#include <utility>

#include <sqlite3.h>

#include "ismc/core/error.hpp"
#include "ismc/core/test_fault.hpp"

namespace ismc::cli {

namespace {

// A prepared statement, finalized when it goes.
class statement {
 public:
  statement(sqlite3* db, const std::string& sql, const std::string& file) : file_(file) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw input_error(file, 0, "",
                        got_expected(std::string(sqlite3_errmsg(db)),
                                     "a study directory's log (its tables readable)"));
    }
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string file_;
};

[[noreturn]] void fail(sqlite3* db, const std::string& file, const std::string& doing) {
  throw runtime_failure("cannot " + doing + " the log '" + file + "': " + sqlite3_errmsg(db));
}

void execute(sqlite3* db, const std::string& sql, const std::string& file,
             const std::string& doing) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, file, doing);
  }
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

// A committed chunk must survive power loss; the journal must work on network
// filesystems (no WAL: its shared-memory index needs one machine's memory).
void configure(sqlite3* db, const std::string& file) {
  sqlite3_busy_timeout(db, 10000);
  execute(db, "PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=FULL;", file, "configure");
}

template <class T>
void put(std::string& out, const T& value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
T take(const std::string& in, std::size_t& at) {
  if (at + sizeof(T) > in.size()) throw runtime_failure("the log holds a truncated chunk");
  T value;
  std::memcpy(&value, in.data() + at, sizeof(T));
  at += sizeof(T);
  return value;
}

}  // namespace

std::string pack_rows(const std::vector<rate_row>& rows) {
  std::string out;
  for (const rate_row& row : rows) {
    for (double value : row.theta) put(out, value);
    for (double value : {row.estimate, row.std_error, row.ci_low, row.ci_high, row.upper_bound}) {
      put(out, value);
    }
    put(out, row.sims);
    put(out, row.rejections);
    const std::uint8_t method = row.method == rate_method::plain ? 0 : 1;
    const std::uint8_t present = static_cast<std::uint8_t>((row.exact ? 1 : 0) | (row.ess ? 2 : 0) |
                                                           (row.ess_per_sim ? 4 : 0));
    put(out, method);
    put(out, present);
    if (row.exact) put(out, *row.exact);
    if (row.ess) put(out, *row.ess);
    if (row.ess_per_sim) put(out, *row.ess_per_sim);
  }
  return out;
}

std::vector<rate_row> unpack_rows(const std::string& bytes, std::size_t dim) {
  std::vector<rate_row> rows;
  std::size_t at = 0;
  while (at < bytes.size()) {
    rate_row row;
    row.theta.resize(dim);
    for (double& value : row.theta) value = take<double>(bytes, at);
    row.estimate = take<double>(bytes, at);
    row.std_error = take<double>(bytes, at);
    row.ci_low = take<double>(bytes, at);
    row.ci_high = take<double>(bytes, at);
    row.upper_bound = take<double>(bytes, at);
    row.sims = take<std::uint64_t>(bytes, at);
    row.rejections = take<std::uint64_t>(bytes, at);
    row.method = take<std::uint8_t>(bytes, at) == 0 ? rate_method::plain : rate_method::importance;
    const auto present = take<std::uint8_t>(bytes, at);
    if (present & 1) row.exact = take<double>(bytes, at);
    if (present & 2) row.ess = take<double>(bytes, at);
    if (present & 4) row.ess_per_sim = take<double>(bytes, at);
    rows.push_back(std::move(row));
  }
  return rows;
}

results_log::results_log(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

results_log::results_log(results_log&& other) noexcept
    : path_(std::move(other.path_)),
      db_(std::exchange(other.db_, nullptr)),
      meta_(std::move(other.meta_)) {}

results_log& results_log::operator=(results_log&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close(db_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
    meta_ = std::move(other.meta_);
  }
  return *this;
}

results_log::~results_log() {
  if (db_ != nullptr) sqlite3_close(db_);
}

results_log results_log::create(const std::string& path,
                                const std::map<std::string, std::string>& meta) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw runtime_failure("cannot create the log '" + path + "': " + reason);
  }
  results_log log(path, db);
  configure(db, path);
  execute(db,
          "BEGIN;"
          "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "CREATE TABLE plan(id INTEGER PRIMARY KEY CHECK (id = 0), json TEXT NOT NULL);"
          "CREATE TABLE chunks(chunk INTEGER PRIMARY KEY, first_target INTEGER NOT NULL,"
          " targets INTEGER NOT NULL, has_exact INTEGER NOT NULL, has_ess INTEGER NOT NULL,"
          " without_spread INTEGER NOT NULL, rows BLOB NOT NULL);",
          path, "create");
  {
    statement insert(db, "INSERT INTO meta(key, value) VALUES (?, ?)", path);
    for (const auto& [key, value] : meta) {
      sqlite3_bind_text(insert.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.get(), 2, value.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(db, path, "write to");
      sqlite3_reset(insert.get());
    }
  }
  execute(db, "COMMIT;", path, "commit to");
  log.meta_ = meta;
  return log;
}

namespace {

sqlite3* open_database(const std::string& path, bool writable) {
  sqlite3* db = nullptr;
  const int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw input_error(path, 0, "", got_expected(reason, "a study directory's log"));
  }
  return db;
}

// True when a read-only connection cannot read the log because a process was killed inside
// a transaction after SQLite had written some of its pages into the file (a cache spill or
// a commit under way): the hot journal must be played back first, which needs a writer.
bool needs_rollback(sqlite3* db) {
  const int status =
      sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  return (status & 0xff) == SQLITE_READONLY;
}

}  // namespace

results_log results_log::open(const std::string& path, bool writable) {
  sqlite3* db = open_database(path, writable);
  if (!writable && needs_rollback(db)) {
    // SQLite's own locks tell a live writer's journal from a dead one's, so rolling back
    // here is what the next writer would do, and restores the last committed chunk.
    sqlite3_close(db);
    db = open_database(path, true);
    sqlite3_busy_timeout(db, 10000);
    if (needs_rollback(db) || sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr,
                                           nullptr, nullptr) != SQLITE_OK) {
      const std::string reason = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw input_error(path, 0, "",
                        got_expected(reason,
                                     "a log whose interrupted transaction can be rolled back "
                                     "(its folder writable)"));
    }
  }
  results_log log(path, db);
  if (writable) configure(db, path);
  log.load_meta();
  return log;
}

void results_log::load_meta() {
  // A file that is not SQLite fails here ("file is not a database"); so does a log whose
  // creation was killed before its first commit (no tables).
  statement select(db_, "SELECT key, value FROM meta", path_);
  int status;
  while ((status = sqlite3_step(select.get())) == SQLITE_ROW) {
    meta_[column_text(select.get(), 0)] = column_text(select.get(), 1);
  }
  if (status != SQLITE_DONE) {
    throw input_error(path_, 0, "",
                      got_expected(std::string(sqlite3_errmsg(db_)), "a study directory's log"));
  }
}

const std::string& results_log::fact(const std::string& key) const {
  const auto found = meta_.find(key);
  if (found == meta_.end()) {
    throw input_error(path_, 0, "meta." + key, "missing; expected the fact every log records");
  }
  return found->second;
}

std::optional<std::string> results_log::plan() const {
  statement select(db_, "SELECT json FROM plan WHERE id = 0", path_);
  const int status = sqlite3_step(select.get());
  if (status == SQLITE_ROW) return column_text(select.get(), 0);
  if (status != SQLITE_DONE) fail(db_, path_, "read");
  return std::nullopt;
}

void results_log::write_plan(const std::string& json) {
  statement insert(db_, "INSERT INTO plan(id, json) VALUES (0, ?)", path_);
  sqlite3_bind_text(insert.get(), 1, json.data(), static_cast<int>(json.size()), SQLITE_STATIC);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(db_, path_, "write the plan to");
}

std::vector<logged_chunk> results_log::chunks() const {
  statement select(db_,
                   "SELECT chunk, first_target, targets, has_exact, has_ess, without_spread FROM "
                   "chunks ORDER BY chunk",
                   path_);
  std::vector<logged_chunk> found;
  int status;
  while ((status = sqlite3_step(select.get())) == SQLITE_ROW) {
    logged_chunk chunk;
    chunk.index = static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 0));
    chunk.first = static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 1));
    chunk.count = static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 2));
    chunk.has_exact = sqlite3_column_int(select.get(), 3) != 0;
    chunk.has_ess = sqlite3_column_int(select.get(), 4) != 0;
    chunk.without_spread = static_cast<std::uint64_t>(sqlite3_column_int64(select.get(), 5));
    found.push_back(std::move(chunk));
  }
  if (status != SQLITE_DONE) fail(db_, path_, "read");
  return found;
}

std::vector<rate_row> results_log::read_rows(std::uint64_t index, std::size_t dim) const {
  statement select(db_, "SELECT rows FROM chunks WHERE chunk = ?", path_);
  sqlite3_bind_int64(select.get(), 1, static_cast<sqlite3_int64>(index));
  if (sqlite3_step(select.get()) != SQLITE_ROW) fail(db_, path_, "read chunk of");
  const void* blob = sqlite3_column_blob(select.get(), 0);
  const std::string bytes(static_cast<const char*>(blob),
                          static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 0)));
  return unpack_rows(bytes, dim);
}

void results_log::append(const logged_chunk& chunk) {
  const std::string bytes = pack_rows(chunk.rows);
  execute(db_, "BEGIN IMMEDIATE;", path_, "begin a chunk in");
  try {
    statement insert(db_,
                     "INSERT INTO chunks(chunk, first_target, targets, has_exact, has_ess, "
                     "without_spread, rows) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     path_);
    sqlite3_bind_int64(insert.get(), 1, static_cast<sqlite3_int64>(chunk.index));
    sqlite3_bind_int64(insert.get(), 2, static_cast<sqlite3_int64>(chunk.first));
    sqlite3_bind_int64(insert.get(), 3, static_cast<sqlite3_int64>(chunk.count));
    sqlite3_bind_int(insert.get(), 4, chunk.has_exact ? 1 : 0);
    sqlite3_bind_int(insert.get(), 5, chunk.has_ess ? 1 : 0);
    sqlite3_bind_int64(insert.get(), 6, static_cast<sqlite3_int64>(chunk.without_spread));
    sqlite3_bind_blob(insert.get(), 7, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(db_, path_, "append a chunk to");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
  if (test_fault_strikes(test_fault::kill_in_transaction)) std::raise(SIGKILL);
  execute(db_, "COMMIT;", path_, "commit a chunk to");
}

}  // namespace ismc::cli
