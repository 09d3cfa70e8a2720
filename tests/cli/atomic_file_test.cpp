// Atomic files: one written whole or not at all, several that appear together or not at
// all; failures name the path and leave nothing behind.

#include "cli/atomic_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "cli/interrupt.hpp"
#include "ismc/core/error.hpp"
#include "support/test_files.hpp"

namespace ismc::cli {
namespace {

TEST(AtomicFile, WritesTheWholeFileAndNothingElse) {
  testing::temp_dir dir;
  const std::string path = dir.file("out.txt");
  write_file_atomically(path, [](std::ostream& out) { out << "first\n"; });
  EXPECT_EQ(testing::read_text(path), "first\n");
  write_file_atomically(path, [](std::ostream& out) { out << "second\n"; });
  EXPECT_EQ(testing::read_text(path), "second\n");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"out.txt"});
}

TEST(AtomicFile, FailedWriteNamesThePathAndLeavesNothing) {
  testing::temp_dir dir;
  const std::string path = dir.file("no_such_dir/out.txt");
  try {
    write_file_atomically(path, [](std::ostream& out) { out << "text"; });
    ADD_FAILURE() << "no error";
  } catch (const runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, WriterExceptionKeepsTheOldFile) {
  testing::temp_dir dir;
  const std::string path = dir.file("rates.csv");
  testing::write_text(path, "old\n");
  EXPECT_THROW(write_file_atomically(path,
                                     [](std::ostream& out) {
                                       out << "partial";
                                       throw std::runtime_error("boom");
                                     }),
               std::runtime_error);
  EXPECT_EQ(testing::read_text(path), "old\n");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"rates.csv"});
}

TEST(AtomicFile, StagedFilesAppearTogetherOnCommit) {
  testing::temp_dir dir;
  testing::write_text(dir.file("b.csv"), "old\n");
  staged_files files;
  files.write(dir.file("a.csv"), "a\n");
  const std::string temporary = files.stage(dir.file("b.csv"));
  testing::write_text(temporary, "b\n");
  // Before the commit: the old file and the temporaries, no new file.
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.csv")));
  EXPECT_EQ(testing::read_text(dir.file("b.csv")), "old\n");
  EXPECT_EQ(dir.entries().size(), 3u);
  files.commit();
  EXPECT_EQ(testing::read_text(dir.file("a.csv")), "a\n");
  EXPECT_EQ(testing::read_text(dir.file("b.csv")), "b\n");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"a.csv", "b.csv"}));
}

// When the second rename fails (its path is a folder), the first file is taken back: the
// old one restored, a new one removed; nothing else is left behind.
TEST(AtomicFile, AFailedCommitTakesBackTheFilesAlreadyRenamed) {
  testing::temp_dir dir;
  testing::write_text(dir.file("a.csv"), "old a\n");
  std::filesystem::create_directories(dir.file("c.csv/inside"));
  {
    staged_files files;
    files.write(dir.file("a.csv"), "new a\n");
    files.write(dir.file("b.csv"), "new b\n");
    files.write(dir.file("c.csv"), "new c\n");
    try {
      files.commit();
      ADD_FAILURE() << "no error";
    } catch (const runtime_failure& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("to '" + dir.file("c.csv") + "': "), std::string::npos) << message;
      EXPECT_NE(message.find("; the files already renamed were taken back"), std::string::npos)
          << message;
    }
  }
  EXPECT_EQ(testing::read_text(dir.file("a.csv")), "old a\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("b.csv")));
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"a.csv", "c.csv"}));
}

// A link is written through: the link stays a link and its target gets the content (it was
// replaced by a regular file), atomically and staged alike.
TEST(AtomicFile, ALinkIsWrittenThrough) {
  testing::temp_dir dir;
  std::filesystem::create_directories(dir.file("real"));
  testing::write_text(dir.file("real/out.csv"), "old\n");
  std::filesystem::create_symlink(dir.file("real/out.csv"), dir.file("link.csv"));
  write_file_atomically(dir.file("link.csv"), [](std::ostream& out) { out << "new\n"; });
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.csv")));
  EXPECT_EQ(testing::read_text(dir.file("real/out.csv")), "new\n");
  {
    staged_files files;
    files.write(dir.file("link.csv"), "staged\n");
    files.commit();
  }
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.csv")));
  EXPECT_EQ(testing::read_text(dir.file("real/out.csv")), "staged\n");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"link.csv", "real"}));
}

// A FIFO (as /dev/stdout can be) cannot be replaced: it is written directly and stays a FIFO.
TEST(AtomicFile, AFifoIsWrittenDirectly) {
  testing::temp_dir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = testing::read_text(fifo); });
  write_file_atomically(fifo, [](std::ostream& out) { out << "through the pipe\n"; });
  reader.join();
  EXPECT_EQ(received, "through the pipe\n");
  EXPECT_EQ(std::filesystem::status(fifo).type(), std::filesystem::file_type::fifo);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"pipe"});
}

// What a killed run left (its temporary and backup, named by a process that is gone) is
// removed by the next write of that file; a living process's files and other files' stay.
TEST(AtomicFile, AKilledRunsLeftoversAreRemovedByTheNextWrite) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // gone: a dead process's id
  const std::string dead = std::to_string(child), living = std::to_string(::getppid());
  testing::temp_dir dir;
  for (const std::string& name : {"out.csv.tmp." + dead, "out.csv.old." + dead,
                                  "out.csv.tmp." + living, "other.csv.tmp." + dead}) {
    testing::write_text(dir.file(name), "left\n");
  }
  write_file_atomically(dir.file("out.csv"), [](std::ostream& out) { out << "new\n"; });
  EXPECT_EQ(dir.entries(),
            (std::set<std::string>{"out.csv", "out.csv.tmp." + living, "other.csv.tmp." + dead}));
  staged_files files;
  files.write(dir.file("other.csv"), "staged\n");
  files.commit();
  EXPECT_EQ(dir.entries(),
            (std::set<std::string>{"out.csv", "other.csv", "out.csv.tmp." + living}));
}

TEST(AtomicFile, UncommittedStagedFilesAreRemoved) {
  testing::temp_dir dir;
  testing::write_text(dir.file("b.csv"), "old\n");
  {
    staged_files files;
    files.write(dir.file("a.csv"), "a\n");
    files.write(dir.file("b.csv"), "b\n");
    EXPECT_EQ(dir.entries().size(), 3u);
  }  // an error or an interrupt: no commit
  EXPECT_EQ(dir.entries(), std::set<std::string>{"b.csv"});
  EXPECT_EQ(testing::read_text(dir.file("b.csv")), "old\n");
}

TEST(AtomicFile, StagedWriteFailureNamesTheFileItsTemporaryAndTheReason) {
  testing::temp_dir dir;
  staged_files files;
  try {
    files.write(dir.file("no_such_dir/a.csv"), "a\n");
    ADD_FAILURE() << "no error";
  } catch (const runtime_failure& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("cannot write '" + dir.file("no_such_dir/a.csv") +
                                "': cannot create '" + dir.file("no_such_dir/a.csv.tmp."),
                            0),
              0u)
        << message;
    EXPECT_NE(message.find("': No such file or directory"), std::string::npos) << message;
  }
  EXPECT_TRUE(dir.entries().empty());
}

// A Ctrl-C that comes while the files are written (after the computation) is not ignored:
// nothing is renamed into place, the old file stays, the temporaries go.
TEST(AtomicFile, AnInterruptDuringTheWriteRenamesNothing) {
  testing::temp_dir dir;
  const std::string path = dir.file("out.csv");
  write_file_atomically(path, [](std::ostream& out) { out << "old\n"; });
  interrupt_requested.store(false);
  EXPECT_THROW(write_file_atomically(path,
                                     [](std::ostream& out) {
                                       out << "new\n";
                                       interrupt_requested.store(true);  // Ctrl-C while writing
                                     }),
               interrupted);
  EXPECT_EQ(testing::read_text(path), "old\n");
  {
    staged_files files;
    files.write(dir.file("a.csv"), "a\n");
    files.write(dir.file("b.csv"), "b\n");
    EXPECT_THROW(files.commit(), interrupted);
  }
  interrupt_requested.store(false);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"out.csv"});
}

// A full disk, for real (/dev/full refuses every write with ENOSPC): the error names the
// file and the OS reason, seen at the flush rather than lost with the stream's badbit.
TEST(AtomicFile, AFullDeviceIsAnErrorNamingTheReason) {
  try {
    write_file_atomically("/dev/full", [](std::ostream& out) { out << std::string(1 << 20, 'x'); });
    ADD_FAILURE() << "no error";
  } catch (const runtime_failure& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '/dev/full': No space left on device");
  }
}

// An output location that cannot be written is refused before any work, naming the flag,
// the path and the OS reason.
TEST(AtomicFile, UnwritableOutputsAreFoundBeforeAnyWork) {
  testing::temp_dir dir;
  std::ofstream(dir.file("plain")) << "x";
  try {
    check_writable({{"--out", dir.file("plain/r.csv")}});
    ADD_FAILURE() << "no error";
  } catch (const usage_error& e) {
    EXPECT_EQ(std::string(e.what()), "--out: cannot write '" + dir.file("plain/r.csv") +
                                         "': Not a directory (checked before any work)");
  }
  check_writable({{"--out", dir.file("fine.csv")}, {"--json", ""}});
  EXPECT_EQ(dir.entries(), std::set<std::string>{"plain"});
}

}  // namespace
}  // namespace ismc::cli
