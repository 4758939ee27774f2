// The operation catalogue is the one source of the operations' names and arguments: the
// tables users read in docs/scenarios.md and docs/protocol.md must be the catalogue's own
// (`telsim operations [--wire]` prints them).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/switch_profile.hpp"
#include "telsim/sim/request.hpp"

namespace telsim {
namespace {

std::string doc(const char* name) {
  std::ifstream in(std::string(TELSIM_SOURCE_DIR) + "/docs/" + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The text between <!-- operations:begin --> and <!-- operations:end -->.
std::string table_in(const std::string& text) {
  const std::string begin = "<!-- operations:begin -->\n", end = "<!-- operations:end -->";
  const auto a = text.find(begin);
  const auto b = text.find(end);
  if (a == std::string::npos || b == std::string::npos || b < a) return "(no operations table)";
  return text.substr(a + begin.size(), b - a - begin.size());
}

TEST(OperationsDocTest, ScenarioTableIsTheCatalogues) {
  EXPECT_EQ(table_in(doc("scenarios.md")), operations_markdown(Surface::Scenario))
      << "regenerate it with: build/telsim operations";
}

TEST(OperationsDocTest, WireTableIsTheCatalogues) {
  EXPECT_EQ(table_in(doc("protocol.md")), operations_markdown(Surface::Wire))
      << "regenerate it with: build/telsim operations --wire";
}

TEST(SwitchProfileDocTest, ScenariosDocumentEverySetting) {
  const std::string text = doc("scenarios.md");
  for (const ProfileSetting& s : profile_settings()) {
    EXPECT_NE(text.find("| `" + std::string(s.name) + "` |"), std::string::npos) << s.name << " has no row";
    EXPECT_EQ(find_profile_setting(s.name), &s);
  }
}

TEST(CatalogueTest, NamesAreUniqueAndEveryRowHasItsOp) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < operations().size(); ++i) {
    const OpInfo& op = operations()[i];
    EXPECT_EQ(static_cast<std::size_t>(op.op), i);
    EXPECT_TRUE(names.insert(op.name).second) << op.name;
    EXPECT_EQ(find_operation(op.name), &op);
    EXPECT_FALSE(op.tapi.empty()) << op.name;
    EXPECT_FALSE(op.doc.empty()) << op.name;
    // The subject parameter is there and required.
    const char* subject = op.subject == Subject::Line ? "line" : op.subject == Subject::Call ? "call"
                          : op.subject == Subject::Conference ? "conference" : nullptr;
    if (subject) {
      const ParamInfo* p = find_param(op, subject);
      ASSERT_NE(p, nullptr) << op.name;
      EXPECT_TRUE(p->required) << op.name;
    }
  }
  EXPECT_EQ(find_operation("make_cal"), nullptr);
}

TEST(CatalogueTest, CallOperationsCarryTheirStateTableFeature) {
  for (const OpInfo& op : operations()) {
    if (!op.input || op.op == Op::Handoff) continue;  // handoff changes no state
    EXPECT_EQ(op.feature, feature_of(*op.input)) << op.name;
  }
}

TEST(CatalogueTest, ModesAcceptAnyCaseAndTheirTapiPrefix) {
  const ParamInfo& mode = *find_param(info(Op::Park), "mode");
  EXPECT_EQ(canonical_mode(mode, "nondirected"), "NONDIRECTED");
  EXPECT_EQ(canonical_mode(mode, "LINEPARKMODE_DIRECTED"), "DIRECTED");
  EXPECT_EQ(canonical_mode(mode, "linEPARKmode_directed"), "DIRECTED");
  EXPECT_FALSE(canonical_mode(mode, "TRANSFER"));
  EXPECT_FALSE(canonical_mode(mode, "LINETRANSFERMODE_DIRECTED"));
}

}  // namespace
}  // namespace telsim
