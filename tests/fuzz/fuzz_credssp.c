/* libFuzzer target for RDP's CredSSP answer (scanner/probe_credssp.h) and the NTLM CHALLENGE
 * inside it (scanner/ntlm.h): arbitrary bytes as the server's TSRequest. The sanitizers watch
 * every read; the contract checked here: the token stays inside the input, the version fields
 * fit their bytes, and the text for a service's info is NUL-terminated printable ASCII inside
 * its buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/ntlm.h"
#include "scanner/probe_credssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ntlm(const struct ntlm_challenge *ch)
{
    if (ch->major > 255 || ch->minor > 255 || ch->build > 65535)
        abort();
    char text[40]; /* shorter than the longest text: cut, still terminated */
    size_t n = ntlm_describe(ch, text, sizeof text);
    if (n >= sizeof text || strlen(text) != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (text[i] < 0x20 || text[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)credssp_complete(data, size);
    struct credssp_answer a;
    struct ntlm_challenge ch;
    if (credssp_parse(data, size, &a) == 1 && a.token) {
        if (a.token < data || a.token_len > size || a.token - data > (ptrdiff_t)(size - a.token_len))
            abort();
        if (ntlm_find_challenge(a.token, a.token_len, &ch) == 1)
            check_ntlm(&ch);
    }
    if (ntlm_find_challenge(data, size, &ch) == 1)
        check_ntlm(&ch);
    return 0;
}
