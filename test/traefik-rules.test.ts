// Traefik v3 rule syntax: valid rules from the docs, v2 habits with their v3 fix, and matching semantics.
import { describe, expect, it } from 'vitest';
import { parseRule, type RequestFacts } from '../scripts/lib/traefik/rules.ts';

const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  host: 'example.com:8080',
  path: '/wsk/socket.io/',
  method: 'GET',
  headers: { 'x-team': 'blue' },
  query: new URLSearchParams('transport=polling&EIO=4'),
  clientIp: '192.168.1.7',
  ...over,
});

describe('valid v3 rules', () => {
  it.each([
    ['Host(`example.com`)', true],
    ['Host(`EXAMPLE.com`) && PathPrefix(`/wsk`)', true],
    ['HostRegexp(`^.+\\.com$`)', true],
    ['Path(`/wsk/socket.io/`)', true],
    ['PathPrefix(`/api`)', false],
    ['PathRegexp(`^/wsk/(socket\\.io|page)/`)', true],
    ['Method(`POST`)', false],
    ['Header(`X-Team`, `blue`)', true],
    ['HeaderRegexp(`X-Team`, `^bl`)', true],
    ['Query(`transport`, `polling`)', true],
    ['Query(`EIO`)', true],
    ['QueryRegexp(`EIO`, `^[34]$`)', true],
    ['ClientIP(`192.168.0.0/16`)', true],
    ['ClientIP(`10.0.0.1`)', false],
    ['!PathPrefix(`/api`) && (Method(`GET`) || Method(`POST`))', true],
    ['PathPrefix("/wsk")', true],
  ])('%s matches: %s', (rule, expected) => {
    const result = parseRule(rule);
    expect(result.ok, result.ok ? '' : result.message).toBe(true);
    if (result.ok) expect(result.match(request())).toBe(expected);
  });
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
  ])('%s', (rule, message, fix) => {
    const result = parseRule(rule);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(message);
      expect(result.fix).toContain(fix);
    }
  });
});

it('Host ignores the port and the case; PathPrefix is a plain prefix', () => {
  const host = parseRule('Host(`Example.COM`)');
  const prefix = parseRule('PathPrefix(`/wsk`)');
  if (!host.ok || !prefix.ok) throw new Error('valid rules');
  expect(host.match(request({ host: 'example.com' }))).toBe(true);
  expect(prefix.match(request({ path: '/wskx' }))).toBe(true);
  expect(prefix.match(request({ path: '/ws' }))).toBe(false);
});
