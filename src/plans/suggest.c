/*
 * suggest.c: suggestions and requests handled to the end (issue 14 item 6, seed 001: 26
 * committee suggestions, each with the units responsible for feeding back its adoption; the
 * loop "形成、报送、受理、交办、办理、落实、反馈"). A kind on the workflow engine, like the
 * 三监联动 tasks: the only way to close one is feed_back, which needs the feedback (finding,
 * measure, result).
 */
#include "plans/internal.h"

static const struct eg_field sugg_fields[] = {
    {"source", "来源", EG_FT_ENUM, EG_FF_REQUIRED | EG_FF_FILTER, "committee|leader|other", NULL, 0,
     "委员建言|领导批示|其他"},
    {"source_ref", "来源文号", EG_FT_TEXT, 0, NULL, NULL, 200, NULL},
    {"text", "建议内容", EG_FT_TEXT, EG_FF_REQUIRED | EG_FF_SEARCH, NULL, NULL, 8192, NULL},
    {"responsible", "责任单位", EG_FT_TEXT, EG_FF_SEARCH, NULL, NULL, 1000, NULL},
};

static const struct eg_flow_state sugg_states[] = {
    {"formed", "已形成", EG_FLOW_INITIAL},
    {"sent", "已报送", 0},
    {"accepted", "已受理", 0},
    {"assigned", "已交办", 0},
    {"handled", "已办理", 0},
    {"implemented", "已落实", 0},
    {"fed_back", "已反馈", EG_FLOW_TERMINAL},
};

#define UNITS (EG_FLOW_ROLE(EG_ROLE_STREET) | EG_FLOW_ROLE(EG_ROLE_ENTERPRISE))
static const struct eg_flow_transition sugg_transitions[] = {
    {"send", "报送", "formed", "sent", EG_FLOW_STAFF, 0, NULL, NULL},
    {"accept", "受理", "sent", "accepted", EG_FLOW_STAFF, 0, NULL, NULL},
    {"assign", "交办", "accepted", "assigned", EG_FLOW_STAFF, EG_FLOW_NEED_ASSIGNEE, NULL, NULL},
    {"handle", "办理", "assigned", "handled", EG_FLOW_STAFF | UNITS, 0, NULL, NULL},
    {"implement", "落实", "handled", "implemented", EG_FLOW_STAFF | UNITS, 0, NULL, NULL},
    {"return", "退回重办", "handled", "assigned", EG_FLOW_STAFF, EG_FLOW_NEED_REASON, NULL, NULL},
    {"feed_back", "反馈", "implemented", "fed_back", EG_FLOW_STAFF | UNITS, EG_FLOW_NEED_FEEDBACK,
     NULL, NULL},
};

const struct eg_flow_kind eg_suggestion_kind = {
    .name = "suggestion",
    .label_zh = "建议事项",
    .table = "suggestions",
    .fields = sugg_fields,
    .nfields = (int)EG_ARRAY_LEN(sugg_fields),
    .states = sugg_states,
    .nstates = (int)EG_ARRAY_LEN(sugg_states),
    .transitions = sugg_transitions,
    .ntransitions = (int)EG_ARRAY_LEN(sugg_transitions),
    .create_roles = EG_FLOW_STAFF,
    .read_roles = UNITS | EG_FLOW_STAFF,
};
