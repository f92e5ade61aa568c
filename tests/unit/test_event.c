/* SPDX-License-Identifier: MIT */
/*
 * test_event.c - unit tests for src/event: the field table, kind and outcome names, bag lookup,
 * cloning into one block, and the JSON rendering of an event (checked literally and by reading
 * it back with the core JSON reader).
 */
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "testutil.h"

static void test_fields_table(void **state)
{
    (void)state;
    assert_int_equal(KS_F_COUNT, KS_ARRAY_LEN(ks_event_fields));
    assert_string_equal(ks_event_fields[KS_F_ts].name, "ts");
    assert_string_equal(ks_event_fields[KS_F_ts].ecs, "@timestamp");
    assert_int_equal(ks_event_fields[KS_F_src].type, KS_FT_ADDR);
    assert_int_equal(ks_event_fields[KS_F_src].offset, offsetof(struct ks_event, src));
    assert_int_equal(ks_event_fields[KS_F_dataset].offset, offsetof(struct ks_event, dataset));
    assert_int_equal(ks_event_fields[KS_F_dst_port].type, KS_FT_U16);
    for (int i = 0; i < KS_F_COUNT; i++) {
        for (int j = i + 1; j < KS_F_COUNT; j++) {
            assert_string_not_equal(ks_event_fields[i].name, ks_event_fields[j].name);
            assert_string_not_equal(ks_event_fields[i].ecs, ks_event_fields[j].ecs);
        }
        assert_int_equal(ks_event_field_find(ks_sv_cstr(ks_event_fields[i].name)), i);
        assert_int_equal(ks_event_field_find(ks_sv_cstr(ks_event_fields[i].ecs)), i);
        assert_true(ks_event_fields[i].offset < offsetof(struct ks_event, source_id));
    }
    static const char *bad_inputs[] = {"", "Src", "source", "source.ip.x", "user.nam", "@"};
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++)
        assert_int_equal(ks_event_field_find(ks_sv_cstr(bad_inputs[i])), -1);
    assert_int_equal(ks_event_field_find(ks_sv_make("user.name.more", 9)), KS_F_user);
}

static void test_kinds(void **state)
{
    (void)state;
    for (unsigned k = 0; k < KS_KIND_COUNT; k++) {
        const char *name = ks_event_kind_name(k);
        assert_string_not_equal(name, "?");
        assert_int_equal(ks_event_kind_parse(ks_sv_cstr(name)), (int)k);
    }
    assert_string_equal(ks_event_kind_name(KS_KIND_FLOW), "flow");
    assert_string_equal(ks_event_kind_name(KS_KIND_AUTH), "auth");
    assert_string_equal(ks_event_kind_name(KS_KIND_COUNT), "?");
    assert_string_equal(ks_event_kind_name(9999), "?");
    static const char *bad_inputs[] = {"", "Flow", "flows", "?", "fl"};
    for (size_t i = 0; i < KS_ARRAY_LEN(bad_inputs); i++)
        assert_int_equal(ks_event_kind_parse(ks_sv_cstr(bad_inputs[i])), -1);
    assert_string_equal(ks_outcome_name(KS_OUTCOME_SUCCESS), "success");
    assert_string_equal(ks_outcome_name(KS_OUTCOME_FAILURE), "failure");
    assert_string_equal(ks_outcome_name(KS_OUTCOME_UNKNOWN), "unknown");
    assert_string_equal(ks_outcome_name(77), "unknown");
}

/* Fills ev with heap strings the test frees after cloning. */
static char *heap(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static void test_clone(void **state)
{
    (void)state;
    struct ks_event ev;
    ks_event_clear(&ev);
    char *user = heap("alice"), *host = heap("WS1"), *empty = heap("");
    char *k1 = heap("TargetDomainName"), *v1 = heap("CORP"), *k2 = heap("IpPort"), *v2 = heap("");
    struct ks_kv *bag = malloc(2 * sizeof(*bag));
    bag[0] = (struct ks_kv){ks_sv_cstr(k1), ks_sv_cstr(v1)};
    bag[1] = (struct ks_kv){ks_sv_cstr(k2), ks_sv_cstr(v2)};
    ev.ts = 123;
    ev.kind = KS_KIND_AUTH;
    ev.user = ks_sv_cstr(user);
    ev.src_host = ks_sv_cstr(host);
    ev.action = ks_sv_cstr(empty);
    ev.code = 4624;
    ev.offset = 99;
    ev.source_id = 3;
    assert_int_equal(ks_addr_parse("10.0.0.5", 8, &ev.src), 0);
    ev.bag = bag;
    ev.nbag = 2;
    size_t want = sizeof(ev) + 2 * sizeof(struct ks_kv) + 6 + 4 + 1 + 17 + 5 + 7 + 1;
    assert_int_equal(ks_event_clone_size(&ev), want);

    struct ks_event *c = ks_event_clone(&ev);
    assert_non_null(c);
    memset(user, 'X', 5);
    memset(k1, 'X', 16);
    free(user);
    free(host);
    free(empty);
    free(k1);
    free(v1);
    free(k2);
    free(v2);
    free(bag);
    const char *lo = (const char *)c, *hi = lo + want;
    assert_true(ks_sv_eq_cstr(c->user, "alice"));
    assert_int_equal(c->user.p[5], '\0');
    assert_true(c->user.p >= lo && c->user.p + 6 <= hi);
    assert_true(ks_sv_eq_cstr(c->src_host, "WS1"));
    assert_non_null(c->action.p);
    assert_int_equal(c->action.n, 0);
    assert_null(c->dst_host.p);
    assert_int_equal(c->code, 4624);
    assert_true(c->ts == 123);
    assert_int_equal(c->offset, 99);
    assert_int_equal(c->source_id, 3);
    assert_int_equal(c->nbag, 2);
    assert_true((const char *)c->bag >= lo && (const char *)(c->bag + 2) <= hi);
    assert_true(ks_sv_eq_cstr(ks_event_bag_get(c, "TargetDomainName"), "CORP"));
    assert_true(ks_sv_eq_cstr(ks_event_bag_get(c, "IpPort"), ""));
    assert_null(ks_event_bag_get(c, "ipport").p);
    assert_null(ks_event_bag_get(c, "Missing").p);
    for (uint32_t i = 0; i < c->nbag; i++)
        assert_true(c->bag[i].val.p >= lo && c->bag[i].val.p < hi);
    char a[KS_ADDR_STRLEN];
    ks_addr_format(&c->src, a, sizeof a);
    assert_string_equal(a, "10.0.0.5");
    free(c);

    /* An empty event: no bag, no strings. */
    ks_event_clear(&ev);
    assert_int_equal(ks_event_clone_size(&ev), sizeof(ev));
    c = ks_event_clone(&ev);
    assert_non_null(c);
    assert_null(c->bag);
    assert_int_equal(c->nbag, 0);
    assert_null(ks_event_bag_get(c, "x").p);
    free(c);
}

static void test_to_json(void **state)
{
    (void)state;
    struct ks_event ev;
    struct ks_buf b;
    ks_buf_init(&b, 1 << 16);

    ks_event_clear(&ev);
    assert_int_equal(ks_event_to_json(&ev, &b), 0);
    assert_string_equal(b.p, "{\"@timestamp\":\"1970-01-01T00:00:00Z\",\"event.category\":\"generic\"}");

    ks_event_clear(&ev);
    ev.ts = INT64_C(1704164645123000000);
    ev.kind = KS_KIND_FLOW;
    ev.outcome = KS_OUTCOME_FAILURE;
    ev.proto = 6;
    ev.src_port = 49152;
    ev.dst_port = 445;
    assert_int_equal(ks_addr_parse("10.0.0.5", 8, &ev.src), 0);
    assert_int_equal(ks_addr_parse("2001:db8::1", 11, &ev.dst), 0);
    ev.bytes_out = UINT64_MAX;
    ev.duration = 1500000;
    ev.user = ks_sv_cstr("CORP\\alice \"admin\"");
    ev.object = ks_sv_cstr("bad\xff");
    ev.service = ks_sv_make("", 0);
    struct ks_kv bag[] = {
        {ks_sv_cstr("LogonType"), ks_sv_cstr("3")},
        {ks_sv_cstr("Msg"), ks_sv_cstr("a\nb")},
    };
    ev.bag = bag;
    ev.nbag = 2;
    ks_buf_reset(&b);
    assert_int_equal(ks_event_to_json(&ev, &b), 0);
    const char *want = "{\"@timestamp\":\"2024-01-02T03:04:05.123Z\",\"event.category\":\"flow\","
                       "\"event.outcome\":\"failure\",\"network.iana_number\":6,"
                       "\"source.port\":49152,\"destination.port\":445,"
                       "\"source.ip\":\"10.0.0.5\",\"destination.ip\":\"2001:db8::1\","
                       "\"source.bytes\":18446744073709551615,\"event.duration\":1500000,"
                       "\"user.name\":\"CORP\\\\alice \\\"admin\\\"\","
                       "\"konseki.object\":\"bad\\ufffd\","
                       "\"konseki.fields\":{\"LogonType\":\"3\",\"Msg\":\"a\\nb\"}}";
    assert_string_equal(b.p, want);

    /* It reads back as JSON with the same values. */
    struct ks_json_doc *d = malloc(sizeof(*d));
    ks_json_doc_init(d, 4096);
    assert_int_equal(ks_json_parse(d, b.p, b.len), 0);
    assert_true(ks_sv_eq_cstr(ks_json_get(d, "user.name")->val, "CORP\\alice \"admin\""));
    assert_true(ks_sv_eq_cstr(ks_json_get(d, "konseki.fields.Msg")->val, "a\nb"));
    assert_int_equal(ks_json_get(d, "source.port")->type, KS_JSON_NUMBER);
    assert_null(ks_json_get(d, "network.protocol"));
    ks_json_doc_free(d);
    free(d);

    /* Appends (no reset) and fails cleanly at the cap. */
    size_t before = b.len;
    assert_int_equal(ks_event_to_json(&ev, &b), 0);
    assert_int_equal(b.len, 2 * before);
    ks_buf_free(&b);
    ks_buf_init(&b, 40);
    assert_int_equal(ks_event_to_json(&ev, &b), KS_ETOOBIG);
    ks_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_table),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_to_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
