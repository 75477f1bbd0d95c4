/* ridl: the IDL compiler's entry point. Everything else lives in the compiler library so unit
 * tests and fuzzers can run compilations in-process. */
#include "frontend.h"

int
main(int argc, char **argv)
{
	return rc_main(argc, argv);
}
