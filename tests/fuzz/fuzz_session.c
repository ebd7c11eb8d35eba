/*
 * fuzz_session: the whole input path of one caller (telnet adapter,
 * charset, line editor, session state machine, chat room, output) on the
 * default menus, through the real core (fuzz_callers). No account
 * store: queries and recharge answer "unavailable" (fuzz_session_store
 * covers those flows). The input may switch to GBK at the language menu.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_callers.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_callers_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_callers_run(data, size, NULL, NULL);
	return 0;
}
