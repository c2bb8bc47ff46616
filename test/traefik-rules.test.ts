// Traefik v3 rule syntax: valid rules from the docs parse, v2 habits and typos get their v3 fix. Matching
// requests is Traefik's own job, rehearsed with the real binary in test/traefik-rehearsal.test.ts.
import { describe, expect, it } from 'vitest';
import { parseRule } from '../scripts/lib/traefik/rules.ts';

describe('valid v3 rules', () => {
  it.each([
    ['Host(`example.com`)', ['Host']],
    ['Host(`EXAMPLE.com`) && PathPrefix(`/wsk`)', ['Host', 'PathPrefix']],
    ['HostRegexp(`^.+\\.com$`)', ['HostRegexp']],
    ['Path(`/wsk/socket.io/`)', ['Path']],
    ['PathRegexp(`^/wsk/(socket\\.io|page)/`)', ['PathRegexp']],
    ['Method(`POST`)', ['Method']],
    ['Header(`X-Team`, `blue`)', ['Header']],
    ['HeaderRegexp(`X-Team`, `^bl`)', ['HeaderRegexp']],
    ['Query(`transport`, `polling`)', ['Query']],
    ['Query(`EIO`)', ['Query']],
    ['QueryRegexp(`EIO`, `^[34]$`)', ['QueryRegexp']],
    // One value only asks that the key is there, as Query(`EIO`) does (Traefik 3.7 takes one or two).
    ['QueryRegexp(`EIO`)', ['QueryRegexp']],
    ['ClientIP(`192.168.0.0/16`)', ['ClientIP']],
    ['ClientIP(`2001:db8::/32`)', ['ClientIP']],
    ['!PathPrefix(`/api`) && (Method(`GET`) || Method(`POST`))', ['PathPrefix', 'Method', 'Method']],
    ['PathPrefix("/wsk")', ['PathPrefix']],
  ])('%s', (rule, matchers) => {
    const result = parseRule(rule);
    expect(result.ok, result.ok ? '' : result.message).toBe(true);
    if (result.ok) expect(result.matchers).toEqual(matchers);
  });
});

// Traefik compiles these with Go's regexp package; JavaScript lacks or rejects each piece, so none may be refused.
it.each([
  'HostRegexp(`(?i)^(?P<sub>[a-z]+)\\.example\\.com\\z`)',
  'PathRegexp(`\\A/(?<id>[[:digit:]]+)(?U:x+)$`)',
  'PathRegexp(`^\\Q/a(b\\E`)',
  'HeaderRegexp(`X-Team`, `^*\\pL+`)',
])('Go regexp syntax JavaScript lacks is left to Traefik: %s', (rule) => {
  const result = parseRule(rule);
  expect(result.ok, result.ok ? '' : result.message).toBe(true);
});

describe('v2 habits and typos get the v3 fix', () => {
  it.each([
    ['PathPrefix(`/a`, `/b`)', /one value per matcher/, 'PathPrefix(`/a`) || PathPrefix(`/b`)'],
    ['Host(`a.com`, `b.com`)', /one value per matcher/, 'Host(`a.com`) || Host(`b.com`)'],
    ['PathPrefix(`/users/{id:[0-9]+}`)', /regexes go in PathRegexp/, 'PathRegexp('],
    ['Headers(`X-Team`, `blue`)', /v2 syntax; v3 calls it Header/, 'Header(`X-Team`, `blue`)'],
    ['HeadersRegexp(`X-Team`, `^b`)', /v3 calls it HeaderRegexp/, 'HeaderRegexp('],
    ['HostHeader(`a.com`)', /v3 calls it Host/, 'Host(`a.com`)'],
    ['Query(`a=b`)', /key and the value apart/, 'Query(`a`, `b`)'],
    ['PathPrefx(`/`)', /Unknown matcher PathPrefx/, 'PathPrefix'],
    ['PathPrefix(`/`', /not closed/, 'backticks'],
    ['PathPrefix(`/)', /Unclosed backtick at column 12/, '`'],
    ["PathPrefix('/')", /Single quotes/, 'PathPrefix(`/`)'],
    ['(PathPrefix(`/`)', /Expected '\)'/, 'parentheses'],
    ['PathPrefix(`/`) PathPrefix(`/a`)', /Unexpected 'PathPrefix'/, '&&'],
    ['PathPrefix(`wsk`)', /starts with '\/'/, 'PathPrefix(`/wsk`)'],
    ['PathRegexp(`^/(a|b`)', /Invalid regexp \^\/\(a\|b: Unterminated group/, 'fix the pattern'],
    ['HostRegexp(`[z-a].com`)', /Invalid regexp/, 'fix the pattern'],
    ['QueryRegexp(`v`, `*`)', /Nothing to repeat/, 'fix the pattern'],
    ['ClientIP(`10.0.0.0/33`)', /not an IP address or range/, 'ClientIP(`192.168.0.0/16`)'],
    ['ClientIP(`office`)', /not an IP address or range/, 'ClientIP(`192.168.0.0/16`)'],
  ])('%s', (rule, message, fix) => {
    const result = parseRule(rule);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(message);
      expect(result.fix).toContain(fix);
    }
  });
});
