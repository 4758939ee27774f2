// placeholder until the CLI lands
#include <systemc>
int sc_main(int, char**) { return 0; }
