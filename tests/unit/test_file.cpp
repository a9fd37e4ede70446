// SPDX-License-Identifier: BSD-3-Clause
// Whole files read and written with the cause of a failure, never
// destroying what was there (file.hpp).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "rpcap/base/file.hpp"

using namespace rpcap;
namespace fs = std::filesystem;

namespace {

// A fresh folder for one test, removed with what is in it.
struct Folder {
  fs::path path;
  Folder()
  {
    char name[] = "/tmp/rpcap-file-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~Folder() { fs::remove_all(path); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator{path}, {})); }
};

}  // namespace

TEST_CASE("file: write_file replaces a file whole and read_file reads it back", "[file]")
{
  Folder dir;
  const std::string path = dir.path / "out.conf";
  REQUIRE(write_file(path, "first\n").has_value());
  REQUIRE(write_file(path, "second, longer\n", 0600).has_value());
  auto back = read_file(path, 1024);
  REQUIRE(back.has_value());
  CHECK(*back == "second, longer\n");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0600 & ~[] {
          const mode_t m = ::umask(0);
          ::umask(m);
          return m;
        }()));
  CHECK(dir.entries() == 1);  // no temporary file left

  // A symbolic link stays a link to the rewritten file.
  const std::string link = dir.path / "link.conf";
  fs::create_symlink(path, link);
  REQUIRE(write_file(link, "third\n").has_value());
  CHECK(fs::is_symlink(link));
  CHECK(*read_file(path, 1024) == "third\n");
}

TEST_CASE("file: a failed write says why and leaves what was there", "[file]")
{
  Folder dir;
  // A folder where the file should go: the rename fails, the folder stays, the temporary file goes.
  const std::string busy = dir.path / "busy";
  fs::create_directory(busy);
  auto st = write_file(busy, "text");
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message == "write " + busy + ": Is a directory");
  CHECK(fs::is_directory(busy));
  CHECK(dir.entries() == 1);

  auto missing = write_file((dir.path / "no/such/folder").string(), "text");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.ends_with(": No such file or directory"));

  // A device is written to as it is, and its error is the cause.
  auto full = write_file("/dev/full", "text");
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().message == "write /dev/full: No space left on device");
}

TEST_CASE("file: write_new_files writes every file or none", "[file]")
{
  Folder dir;
  const std::string key = dir.path / "key.pem";
  const std::string cert = dir.path / "cert.pem";
  REQUIRE(write_file(key, "old key\n").has_value());
  // The second cannot be written: the first, which exists, is not replaced.
  auto st = write_new_files({{key, "new key\n", 0600}, {(dir.path / "no/cert.pem").string(), "cert\n", 0644}}, true);
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message == "write \"" + (dir.path / "no/cert.pem").string() + "\": No such file or directory");
  CHECK(*read_file(key, 1024) == "old key\n");
  CHECK(dir.entries() == 1);
  // Without `replace`, an existing second file stops the first one too.
  REQUIRE(write_file(cert, "old cert\n").has_value());
  const std::string other = dir.path / "other.pem";
  st = write_new_files({{other, "new key\n", 0600}, {cert, "cert\n", 0644}}, false);
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message == "write \"" + cert + "\": File exists (--force replaces it)");
  CHECK_FALSE(fs::exists(other));
  // Both written, each with exactly its mode, whatever the umask.
  const mode_t mask = ::umask(077);
  st = write_new_files({{key, "new key\n", 0600}, {cert, "new cert\n", 0644}}, true);
  ::umask(mask);
  REQUIRE(st.has_value());
  CHECK(*read_file(key, 1024) == "new key\n");
  CHECK(*read_file(cert, 1024) == "new cert\n");
  CHECK((fs::status(key).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(cert).permissions() & fs::perms::all)
        == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
  CHECK(dir.entries() == 2);
}

TEST_CASE("file: same_file sees one file through links and spellings", "[file]")
{
  Folder dir;
  const std::string file = dir.path / "a";
  REQUIRE(write_file(file, "x").has_value());
  fs::create_symlink(file, dir.path / "link");
  fs::create_hard_link(file, dir.path / "hard");
  CHECK(same_file(file, (dir.path / "link").string()));
  CHECK(same_file(file, (dir.path / "hard").string()));
  CHECK(same_file((dir.path / "new").string(), (dir.path / "." / "new").string()));
  CHECK(same_file("rpcap-no-such-file", "./rpcap-no-such-file"));
  CHECK_FALSE(same_file(file, (dir.path / "new").string()));
  CHECK_FALSE(same_file((dir.path / "new").string(), (dir.path / "new2").string()));
}

TEST_CASE("file: read_file names the cause and bounds the size", "[file]")
{
  Folder dir;
  auto missing = read_file((dir.path / "none").string(), 10);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "open " + (dir.path / "none").string() + ": No such file or directory");
  const std::string big = dir.path / "big";
  REQUIRE(write_file(big, std::string(11, 'x')).has_value());
  auto too_big = read_file(big, 10);
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().kind == ErrorKind::config);
}
