/* log.c: no value can add a field or a line, whatever the caller passes. */
#include "log.h"
#include "tap.h"

int
main(void)
{
	char out[512];

	log_format(out, sizeof(out), "event=x user=%s client=%s", "alice+router1", "127.0.0.1:2222");
	is_str(out, "event=x user=alice+router1 client=127.0.0.1:2222", "plain names stay bare");
	log_format(out, sizeof(out), "event=x user=%s n=%d", "bob level=error\nts=forged event=session_start", 3);
	is_str(out, "event=x user=\"bob level=error\\nts=forged event=session_start\" n=3",
	    "a user name with spaces, '=' and a newline is one quoted value");
	log_format(out, sizeof(out), "event=x user=%s", "a\"b\x1b[31m");
	is_str(out, "event=x user=\"a\\\"b\\e[31m\"", "quotes and ESC escaped");
	log_format(out, sizeof(out), "event=x error=\"%s\" path=\"cannot load %s\"", "bad \"thing\"\r\n", "/x y");
	is_str(out, "event=x error=\"bad \\\"thing\\\"\\r\\n\" path=\"cannot load /x y\"",
	    "inside the format's quotes: escaped, not quoted twice");
	log_format(out, sizeof(out), "event=x user=%s", "");
	is_str(out, "event=x user=\"\"", "an empty value is visible");
	log_format(out, sizeof(out), "a=%d b=%ld c=%lld d=%u e=%zu f=%x g=%c h=%.3s %%", -1, 2L, -3LL, 4u,
	    (size_t)5, 255u, 'z', "abcdef");
	is_str(out, "a=-1 b=2 c=-3 d=4 e=5 f=ff g=z h=abc %", "numbers, char, precision and %%");
	{
		char big[3000];
		char small[64];

		memset(big, 'q', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		log_format(small, sizeof(small), "path=%s tail=1", big);
		is_int(strlen(small), sizeof(small) - 1, "a long value is cut at the line's end, no overrun");
	}
	return done();
}
