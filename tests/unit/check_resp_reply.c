/*
 * check_resp_reply.c - protocol/resp_reply: every reply the encoder writes
 * reads back as what it was, in RESP2 and RESP3, and malformed or cut
 * input is refused without reading past its end.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "resp_reply.h"

static struct resp_reply_item next(struct resp_reply_reader *r)
{
    struct resp_reply_item it;
    ck_assert(resp_reply_next(r, &it));
    return it;
}

START_TEST(encoded_replies_read_back)
{
    struct resp_out out;
    resp_out_init(&out, 3);
    resp_add_array_len(&out, 9);
    resp_add_simple(&out, "OK");
    resp_add_error(&out, "ERR bad");
    resp_add_integer(&out, -42);
    resp_add_bulk(&out, "a\r\nb", 4);
    resp_add_null(&out);
    resp_add_map_len(&out, 1);
    resp_add_bulk_cstr(&out, "k");
    resp_add_double(&out, 1.5);
    resp_add_bool(&out, true);
    resp_add_bignum(&out, "123", 3);
    resp_add_verbatim(&out, "hi", 2, "txt");
    struct resp_reply_reader r;
    resp_reply_reader_init(&r, out.data, out.len);
    struct resp_reply_item it = next(&r);
    ck_assert_int_eq(it.type, RESP_REPLY_ARRAY);
    ck_assert_int_eq(it.n, 9);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_STATUS && it.len == 2 && memcmp(it.text, "OK", 2) == 0);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_ERROR && it.len == 7);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_INTEGER && it.n == -42);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_BULK && it.len == 4 && memcmp(it.text, "a\r\nb", 4) == 0);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_NULL && it.legacy == 0);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_MAP && it.n == 1);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_BULK);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_DOUBLE && it.len == 3 && memcmp(it.text, "1.5", 3) == 0);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_BOOL && it.n == 1);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_BIGNUM && it.len == 3);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_VERBATIM && it.len == 6 && memcmp(it.text, "txt:hi", 6) == 0);
    ck_assert(!resp_reply_next(&r, &it));
    resp_out_deinit(&out);
}
END_TEST

START_TEST(resp2_nulls_say_where_they_come_from)
{
    struct resp_reply_reader r;
    struct resp_reply_item it;
    resp_reply_reader_init(&r, "$-1\r\n*-1\r\n", 10);
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_NULL && it.legacy == '$');
    it = next(&r);
    ck_assert(it.type == RESP_REPLY_NULL && it.legacy == '*');
}
END_TEST

START_TEST(cut_or_malformed_input_is_refused)
{
    static const char *const bad[] = {"$5\r\nab\r\n", "$3\r\nabc", ":12", ":x\r\n", "*-2\r\n",
                                      "?1\r\n", "#x\r\n", "+OK\r", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = strlen(bad[i]);
        char *copy = malloc(len ? len : 1); /* exact size: ASan sees an over-read */
        memcpy(copy, bad[i], len);
        struct resp_reply_reader r;
        struct resp_reply_item it;
        resp_reply_reader_init(&r, copy, len);
        ck_assert_msg(!resp_reply_next(&r, &it), "accepted %s", bad[i]);
        free(copy);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resp_reply");
    TCase *tc = tcase_create("reading");
    tcase_add_test(tc, encoded_replies_read_back);
    tcase_add_test(tc, resp2_nulls_say_where_they_come_from);
    tcase_add_test(tc, cut_or_malformed_input_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
