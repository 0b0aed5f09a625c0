"""Hand-written chat templates exercising the Jinja2 features faq's engine implements.

Each is rendered by tests/reference/jinja_render.py with real Jinja2 (via transformers) on
random conversations, and faq must match byte for byte (or raise where Jinja raised).
"""

FEATURE_TEMPLATES = {
    "loops_and_loopvars": """{% for m in messages %}
{{ loop.index }}/{{ loop.length }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }} {{ loop.last }}
  prev={{ loop.previtem.role if loop.previtem is defined else '-' }} next={{ loop.nextitem.role if loop.nextitem is defined else '-' }}
  {{ loop.cycle('odd', 'even') }}: {{ m.role | upper }} {{ m.content | length }}
{% else %}
no messages
{% endfor %}
{% for m in messages if m.role == 'user' %}[{{ loop.index }}:{{ m.content | trim }}]{% endfor %}
{% for i in range(10) %}{% if i is even %}{% continue %}{% endif %}{% if i > 6 %}{% break %}{% endif %}{{ i }},{% endfor %}
{% for k, v in {'a': 1, 'b': [1, 2], 'c': none}.items() %}{{ k }}={{ v }};{% endfor %}
{% for x in [] %}never{% else %}empty-else{% endfor %}
{%- for a, b in [(1, 2), [3, 4]] %} {{ a + b }}{% endfor %}
""",
    "set_namespace_macro": """{%- set ns = namespace(count=0, roles=[], last='') -%}
{%- for m in messages -%}
  {%- set ns.count = ns.count + 1 -%}
  {%- set ns.roles = ns.roles + [m.role] -%}
  {%- set local = m.role ~ '!' -%}
  {%- set ns.last = local -%}
{%- endfor -%}
{{ ns.count }} {{ ns.roles | join(',') }} {{ ns.last }} {{ local is defined }}
{% set a, b = 1, 2 %}{{ a }}{{ b }}
{% set block %}  captured {{ messages | length }}  {% endset %}[{{ block }}]
{% set up | upper %}shout {{ messages[0].role }}{% endset %}{{ up }}
{% macro render(m, prefix='>', suffix=none) -%}
{{ prefix }}{{ m.role }}{% if suffix %}{{ suffix }}{% endif %}: {{ m.content[:20] }}
{%- endmacro %}
{% for m in messages %}{{ render(m) }}|{{ render(m, '#', suffix='<') }}
{% endfor %}
{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}
{% call wrap('b') %}inside {{ messages | length }}{% endcall %}
{% filter upper %}filtered {{ messages[-1].role }}{% endfilter %}
{% with x = 5, y = 'w' %}{{ x * 2 }}{{ y }}{% endwith %}
""",
    "expressions": """{{ 1 + 2 * 3 - 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1e3 }} {{ 0.1 + 0.2 }}
{{ 'a' ~ 1 ~ none ~ true }} {{ 'x' * 3 }} {{ [1, 2] + [3] }} {{ (1,) }} {{ (1, 'a') }} {{ {'k': 'v', 'n': none, 't': true} }}
{{ [1.0, 1e20, 1e-7, -0.0, 123456789.123] }} {{ 'it\\'s' }} {{ ["it's", 'say "hi"', 'both \\' "'] }} {{ 'tab\\there' }}
{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' in 'abc' }} {{ 'z' not in ['a'] }} {{ not true or false and true }}
{{ 'yes' if messages else 'no' }} {{ 'x' if false }}|{{ (messages | length) is divisibleby 2 }} {{ 3 is odd }}
{{ messages[0]['role'] }} {{ messages[0].role }} {{ messages[-1].content[::-1] }} {{ messages[1:2] | length }} {{ 'abcdef'[1:5:2] }}
{{ none is none }} {{ 1 is number }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is sequence }} {{ undefined_var is defined }} {{ undefined_var is undefined }}
{{ 1 is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ false is false }} {{ 1 is eq 1 }} {{ 2 is ne 1 }} {{ 'a' is in 'cat' }} {{ 5 is gt 3 }}
{{ undefined_var }}|{{ undefined_var | default('dflt') }}|{{ '' | default('empty', true) }}|{{ none | default('x') }}|{{ undefined_var | length }}
{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | map('length') | list }}
{{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role') | unique | list }}
{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort(reverse=true) }} {{ [1, 2, 3] | sum }} {{ [4, 9, 2] | max }} {{ ['B', 'a'] | min }}
{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | list }} {{ [1, 0, 2, none] | select | list }} {{ [1, 2, 3, 4] | reject('odd') | list }}
{{ messages | map(attribute='missing', default='?') | join('') }} {{ [1, 2] | reverse | list }} {{ 'abc' | reverse }}
""",
    "strings": """{% for m in messages %}{% set c = m.content if m.content is string else '' %}
{{ c.startswith('<think>') }} {{ c.endswith('\\n') }} {{ c.split() }} {{ c.split('\\n') }} {{ c.split(' ', 1) }} {{ c.rsplit(' ', 1) }}
[{{ c.strip() }}] [{{ c.lstrip('\\n') }}] [{{ c.rstrip(' \\n') }}] {{ c.upper() }} {{ c.lower() }} {{ c.title() }} {{ c.capitalize() }}
{{ c.replace('a', 'A') }} {{ c.replace('', '-', 3) }} {{ c.find('t') }} {{ c.rfind('t') }} {{ c.count('e') }} {{ '-'.join(c.split()) }}
{{ c | trim }} {{ c | title }} {{ c | capitalize }} {{ c | replace('e', 'E', 1) }} {{ c | length }} {{ c | wordcount }} {{ c | indent(2) }}
{{ c | indent(4, true) }} {{ c | indent('>', first=true, blank=true) }} {{ '{} and {name}'.format(c[:3], name=m.role) }} {{ c | string }}
{{ c.splitlines() }} {{ c.isdigit() }} {{ c.isspace() }} {{ c | escape }} {{ '%s-%d' % (m.role, 3) }} {{ c[0] if c else 'nil' }} {{ c[100] }}
{% endfor %}""",
    "tojson_and_values": """{{ messages | tojson }}
{{ tools | tojson(indent=2) }}
{{ messages | tojson(sort_keys=true) }}
{{ {'b': 1, 'a': [1.5, none, true, 'é\\n"q"']} | tojson(separators=(',', ':')) }}
{{ {'x': {}, 'y': []} | tojson(indent=4) }} {{ {1: 'a', 2.5: 'b', none: 'c', true: 'd'} | tojson }}
{{ messages[0] }} {{ messages[0].items() | list }} {{ messages[0].keys() | list }} {{ messages[0].values() | list | length }} {{ messages[0].get('role') }} {{ messages[0].get('nope', 'dflt') }} {{ messages[0].get('nope') }}
{{ custom_flag | default('no flag') }} {{ enable_thinking is defined }} {{ bos_token | default('no bos') }} {{ eos_token }} {{ tools is none }} {{ documents }}
{{ 3.7 | int }} {{ '42' | int }} {{ ' 7 ' | int }} {{ 'x' | int(-1) }} {{ '3.9' | int }} {{ 2 | float }} {{ '1.5' | float }} {{ -3 | abs }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.7 | round(0, 'floor') }}
{{ messages | items if false else 'skip' }} {{ {'z': 1, 'a': 2} | dictsort }} {{ {'k': 1} | items | list }} {{ dict(a=1, b=2) }}
{%- if messages[0].role == 'system' %}{{ raise_exception('system messages are not allowed here') }}{% endif %}
""",
    "whitespace": """  {% if true %}
    indented
  {% endif %}
text {% if true %}inline{% endif %} text
{%- if true %}  dash-left{% endif %}
{% if true -%}
    dash-right
{%- endif %}
  {%+ if true %}plus keeps indent{% endif %}
{% if true +%}
plus keeps newline
{% endif %}
{# a comment #}
  {# indented comment #}
after comment {# inline #} x
{{ 'var' }}
  {{ 'indented var' }}
{% raw %}{{ not rendered }} {% if %}{% endraw %}
{%- for m in messages %}
  <{{ m.role }}>
{% endfor %}
{{- '  trim both  ' -}}
   tail
""",
    "errors": """{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('tools unsupported: ' ~ m.content) }}{% endif %}{% endfor %}
{%- if add_generation_prompt %}{{ messages[0].content + 1 }}{% endif %}ok""",
    "lexing": """{{ "double \\"q\\" \\u00e9 \\x41 \\101 \\t|" }} {{ 'single \\' \\\\ \\z' }} {{ 'a' 'b' "c" }}
{{ 1_000 + 0x1F + 0o17 + 0b101 }} {{ 1_0.5_0 }} {{ 2e3 }} {{ 2E-3 }} {{ 0 }} {{ 00 }}
{%- raw -%}  {{ raw }} {% if %}  {%- endraw -%}
{#- comment -#}   text
{{ messages|length }}{# c #}x
  {#- c2 #}y
{%- if true -%}  {{- ' x ' -}}  {%- endif -%}
{{ [1,2,3,][1] }} {{ {'a':1,}['a'] }} {{ (1,2,)|length }} {{ {'a': {'b': [1, {'c': 2}]}}['a']['b'][1].c }}
{{ 'abc' | upper | lower | replace('b', 'B') }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ 2 ** 3 ** 2 }} {{ not 1 == 2 }} {{ (1 + 2) ~ 3 * 2 }}
{{ 10 // 3 * 3 + 10 % 3 }} {{ 7 / 2 | int }} {{ -3 | abs }} {{ - 3 | abs }} {{ 'x' ~ -1 }} {{ 1 if 0 else 2 if 0 else 3 }}
{{ messages[0]['role'] | upper if messages else '' }}{{ messages | map(attribute='role') | join(', ') }}
	{% if true %}tab-indented tag{% endif %}
 	 {%- if true %} mixed{% endif %}
{% for m in messages %}{{ m.role }}{{ ', ' if not loop.last }}{% endfor %}
""",
    "llama_like": """{{- bos_token | default('') }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n\n" }}
{%- if tools is not none %}
    {{- "You have access to the following functions.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- set tool_call = message.tool_calls[0].function if message.tool_calls[0].function is defined else message.tool_calls[0] %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
""",
    "alternation_checks": """{%- if messages[0]['role'] == 'system' -%}
    {%- set loop_messages = messages[1:] -%}
    {%- set system_message = messages[0]['content'] -%}
{%- else -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{{ bos_token }}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}
    {%- endif -%}
    {%- if message['role'] == 'user' -%}
        {%- if loop.first and system_message is defined -%}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' -}}
        {%- else -%}
            {{- ' [INST] ' + message['content'] + ' [/INST]' -}}
        {%- endif -%}
    {%- elif message['role'] == 'assistant' -%}
        {{- ' ' + message['content'] + ' ' + eos_token -}}
    {%- else -%}
        {{- raise_exception('Only user and assistant roles are supported!') -}}
    {%- endif -%}
{%- endfor -%}
""",
}
