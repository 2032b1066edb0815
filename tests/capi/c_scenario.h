/* The C scenarios of c_scenario.c, called from the C++ test. */
#ifndef TERN_TESTS_C_SCENARIO_H
#define TERN_TESTS_C_SCENARIO_H

#ifdef __cplusplus
extern "C" {
#endif

/* NULL when every check passed, else the first failed check. */
const char* tern_c_scenario_own_thread(int port);
const char* tern_c_scenario_external_dispatch(int port);

#ifdef __cplusplus
}
#endif

#endif
