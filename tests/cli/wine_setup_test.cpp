// `telsim wine-setup`'s COM ports for the server's modems, without Wine: the mapping rules
// (sim/cli/wine_com_ports.hpp) on a scratch dosdevices folder, and the real command against a
// real `telsim serve` with a stand-in `wine` (a shell script that makes the prefix's folders and
// keeps the .reg file wine-setup imports), so what lands in the prefix can be read back.
#include <gtest/gtest.h>

#include "../../sim/cli/wine_com_ports.hpp"
#include "cli/cli_support.hpp"
#include "cli/serve_support.hpp"

namespace telsim::cli_test {
namespace {

namespace wc = telsim::cli::wine_com;

void link(const fs::path& dosdevices, int n, const std::string& target) {
  fs::create_directories(dosdevices);
  fs::create_symlink(target, dosdevices / ("com" + std::to_string(n)));
}

TEST(WineComPorts, ModemsTakeTheFreePortsFromTheBaseAndOthersAreLeftAlone) {
  TempDir dir;
  const fs::path dos = dir / "dosdevices";
  link(dos, 1, "/dev/ttyS0");
  link(dos, 5, "/dev/ttyUSB0");  // the user's: never touched
  const std::vector<wc::Modem> modems{
      {"400", "m1", "/tmp/a"}, {"401", "m2", ""}, {"403", "m4", "modems/m4"}, {"402", "m3", "/tmp/c"}};
  const wc::Plan p = wc::plan(dos, modems, 5, {});
  ASSERT_EQ(p.map.size(), 2u);
  EXPECT_EQ(p.map[0].modem.name, "m1");
  EXPECT_EQ(p.map[0].com, 6);
  EXPECT_FALSE(p.map[0].kept);
  EXPECT_EQ(p.map[1].modem.name, "m3");
  EXPECT_EQ(p.map[1].com, 7);
  EXPECT_TRUE(p.release.empty());
  ASSERT_EQ(p.notes.size(), 3u);
  EXPECT_EQ(p.notes[0], "COM5 is taken (dosdevices/com5 -> /dev/ttyUSB0): left alone");
  EXPECT_NE(p.notes[1].find("modem m2 (line 401) has no pty"), std::string::npos) << p.notes[1];
  EXPECT_NE(p.notes[2].find("modem m4 (line 403): its pty 'modems/m4' is a relative path"), std::string::npos)
      << p.notes[2];
}

TEST(WineComPorts, AMappingAlreadyThereIsKeptAndAnEarlierOneOfTelsimsIsReusedOrReleased) {
  TempDir dir;
  const fs::path dos = dir / "dosdevices";
  link(dos, 3, "/tmp/a");      // made by hand for m1: kept, below the base too
  link(dos, 5, "/tmp/old-1");  // telsim's, from an earlier scenario: reused
  link(dos, 6, "/tmp/old-2");  // telsim's: no modem takes it now, released
  link(dos, 7, "/tmp/moved");  // was telsim's, re-pointed by the user since: left alone
  const std::map<int, std::string> earlier{{5, "/tmp/old-1"}, {6, "/tmp/old-2"}, {7, "/tmp/old-3"}, {9, "/tmp/gone"}};
  const wc::Plan p = wc::plan(dos, {{"400", "m1", "/tmp/a"}, {"402", "m3", "/tmp/c"}}, 5, earlier);
  ASSERT_EQ(p.map.size(), 2u);
  EXPECT_EQ(p.map[0].com, 3);
  EXPECT_TRUE(p.map[0].kept);
  EXPECT_EQ(p.map[1].com, 5);
  EXPECT_FALSE(p.map[1].kept);
  // com9 no longer exists: its registry entry is released too.
  EXPECT_EQ(p.release, (std::map<int, std::string>{{6, "/tmp/old-2"}, {9, "/tmp/gone"}}));
  EXPECT_TRUE(p.notes.empty());
}

TEST(WineComPorts, TheRecordReadsBackWhatWasWritten) {
  TempDir dir;
  write_file(wc::record_file(dir.path()), "# comment\n5 /tmp/a b\n0 /nope\n7\n300 /too-high\n6 /tmp/c\n");
  EXPECT_EQ(wc::read_record(dir.path()), (std::map<int, std::string>{{5, "/tmp/a b"}, {6, "/tmp/c"}}));
  EXPECT_TRUE(wc::read_record(dir / "none").empty());
}

/// A stand-in for Wine in `dir`: `wine wineboot --init` makes the prefix's folders, `wine reg
/// import Z:\...` copies the file to PREFIX/imported.reg, and `wineserver` does nothing.
struct FakeWine {
  explicit FakeWine(const fs::path& dir) : wine(dir / "wine") {
    write_file(wine,
               "#!/bin/sh\n"
               "case \"$1\" in\n"
               "  wineboot) mkdir -p \"$WINEPREFIX/drive_c/windows/system32\" \"$WINEPREFIX/drive_c/windows/syswow64\" "
               "\"$WINEPREFIX/dosdevices\" && touch \"$WINEPREFIX/system.reg\" ;;\n"
               "  reg) f=$(printf '%s' \"$3\" | sed -e 's/^Z://' -e 's/\\\\/\\//g'); cat \"$f\" >> \"$WINEPREFIX/imported.reg\" ;;\n"
               "esac\n");
    write_file(dir / "wineserver", "#!/bin/sh\nexit 0\n");
    fs::permissions(wine, fs::perms::owner_all);
    fs::permissions(dir / "wineserver", fs::perms::owner_all);
    fs::create_directories(dir / "dlls");
    write_file(dir / "dlls" / "tapi32.dll", "x");
    write_file(dir / "dlls" / "telsim.tsp", "x");
  }
  std::string args(const fs::path& dir) const {
    return " --wine " + quote(wine.string()) + " --dlls " + quote((dir / "dlls").string()) + " --dlls32 " +
           quote((dir / "dlls").string());
  }
  fs::path wine;
};

fs::path modem_scenario(const fs::path& dir, const fs::path& pty) {
  const fs::path yaml = dir / "modems.yaml";
  write_file(yaml, "name: wine-setup-modems\nseed: 1\npbx:\n  extensions:\n    - {number: \"201\", name: Desk}\n"
                   "modems:\n  - {name: m1, number: \"400\", pty: \"" +
                       pty.string() + "\"}\n  - {name: m2, number: \"401\"}\n");
  return yaml;
}

TEST(WineSetup, MapsACOMPortOntoEachModemsPtyAndListsItInWinesPorts) {
  TempDir dir;
  const FakeWine wine(dir.path());
  const fs::path pty = dir / "modem400";
  ServeProcess server(dir.path(), {modem_scenario(dir.path(), pty).string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.wait_listening()) << server.describe();
  const fs::path prefix = dir / "prefix";
  fs::create_directories(prefix / "dosdevices");
  fs::create_symlink("/dev/ttyS4", prefix / "dosdevices" / "com5");  // not telsim's
  Result r = run_telsim("wine-setup " + quote(prefix.string()) + " --server 127.0.0.1:" +
                        std::to_string(server.port()) + wine.args(dir.path()));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("COM6: modem m1 (line 400) -> " + pty.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COM5 is taken (dosdevices/com5 -> /dev/ttyS4): left alone"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modem m2 (line 401) has no pty"), std::string::npos) << r.out;
  EXPECT_EQ(fs::read_symlink(prefix / "dosdevices" / "com6"), pty);
  EXPECT_EQ(fs::read_symlink(prefix / "dosdevices" / "com5"), "/dev/ttyS4");
  std::string reg = read_file(prefix / "imported.reg");
  EXPECT_NE(reg.find("[HKEY_LOCAL_MACHINE\\Software\\Wine\\Ports]\r\n\"COM6\"=\"" + pty.string() + "\"\r\n"),
            std::string::npos)
      << reg;
  EXPECT_EQ(wc::read_record(prefix), (std::map<int, std::string>{{6, pty.string()}}));

  // Again with --com-base 10: m1 keeps COM6, which already points at its pty.
  fs::remove(prefix / "imported.reg");
  r = run_telsim("wine-setup " + quote(prefix.string()) + " --server 127.0.0.1:" + std::to_string(server.port()) +
                 " --com-base 10" + wine.args(dir.path()));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("COM6: modem m1 (line 400) -> " + pty.string() + " (already there)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(fs::symlink_status(prefix / "dosdevices" / "com10")));
  EXPECT_EQ(server.stop(), 0) << server.describe();

  // A server with no modems now: telsim's COM6 is released, the user's COM5 stays.
  fs::create_directories(dir / "plain");
  ServeProcess plain(dir / "plain", {(fs::path(TELSIM_SOURCE_DIR) / "tsp-shim" / "test" / "office.yaml").string(),
                                  "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(plain.wait_listening()) << plain.describe();
  fs::remove(prefix / "imported.reg");
  r = run_telsim("wine-setup " + quote(prefix.string()) + " --server 127.0.0.1:" + std::to_string(plain.port()) +
                 wine.args(dir.path()));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("COM6: released"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(fs::symlink_status(prefix / "dosdevices" / "com6")));
  EXPECT_EQ(fs::read_symlink(prefix / "dosdevices" / "com5"), "/dev/ttyS4");
  reg = read_file(prefix / "imported.reg");
  EXPECT_NE(reg.find("\"COM6\"=-\r\n"), std::string::npos) << reg;
  EXPECT_TRUE(wc::read_record(prefix).empty());
}

TEST(WineSetup, WithoutTheServerItSetsUpVoiceAndSaysItMappedNoCOMPort) {
  TempDir dir;
  const FakeWine wine(dir.path());
  // Port 9 (discard): nothing listens there on loopback.
  const fs::path prefix = dir / "prefix";
  const Result r = run_telsim("wine-setup " + quote(prefix.string()) + " --server 127.0.0.1:9" + wine.args(dir.path()));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("HKLM\\SOFTWARE\\telsim: Server=127.0.0.1:9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COM ports: none mapped: the server at 127.0.0.1:9 did not answer"), std::string::npos) << r.out;
  const std::string reg = read_file(prefix / "imported.reg");
  EXPECT_NE(reg.find("ProviderFileName0"), std::string::npos) << reg;
  EXPECT_EQ(reg.find("Wine\\Ports"), std::string::npos) << reg;
}

}  // namespace
}  // namespace telsim::cli_test
