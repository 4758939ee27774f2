/* What the test programs print for a LINECALLSTATE_ value: TAPI's name without the prefix, for
 * tsp-shim/test/tapi32_test.cpp to hold against the server's state names. One table for every
 * program, so none prints a state it did not expect as something else. */
#ifndef TELSIM_APPS_CALLSTATE_H
#define TELSIM_APPS_CALLSTATE_H

#include <windows.h>
#include <tapi.h>

/* Every LINECALLSTATE_ bit, lowest first; "OTHER" for a value that is not one of them. */
static const char *state_name(DWORD s) {
  static const char *const names[] = {"IDLE",         "OFFERING",       "ACCEPTED",           "DIALTONE",
                                      "DIALING",      "RINGBACK",       "BUSY",               "SPECIALINFO",
                                      "CONNECTED",    "PROCEEDING",     "ONHOLD",             "CONFERENCED",
                                      "ONHOLDPENDCONF", "ONHOLDPENDTRANSFER", "DISCONNECTED", "UNKNOWN"};
  for (int i = 0; i < 16; ++i)
    if (s == (1u << i)) return names[i];
  return "OTHER";
}

#endif
