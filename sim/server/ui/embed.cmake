# Embeds the live console's page into the telsim binary (sim/server/CMakeLists.txt runs this at
# build time whenever the page changes): cmake -DIN=index.html -DOUT=ui_page.cpp -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){24})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "// Generated from sim/server/ui/index.html by sim/server/ui/embed.cmake: do not edit.\n#include <cstddef>\nnamespace telsim::serve {\nnamespace {\nconstexpr char kBytes[] = {\n${bytes}'\\0'};\n}  // namespace\nextern const char* const kUiPage;\nextern const std::size_t kUiPageSize;\nconst char* const kUiPage = kBytes;\nconst std::size_t kUiPageSize = ${size};\n}  // namespace telsim::serve\n")
file(RENAME "${OUT}.tmp" "${OUT}")
