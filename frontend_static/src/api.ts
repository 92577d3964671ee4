// The REST client of the canvas: session auth with Django's CSRF token, the workspace header, and
// answers returned as {status, body} so callers handle 400/409 as data rather than exceptions.

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

export interface ApiOptions {
  base: string;
  csrfToken: string;
  workspace?: string;
}

export class Api {
  constructor(private readonly options: ApiOptions) {}

  get<T>(path: string): Promise<Answer<T>> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<Answer<T>> {
    return this.request<T>("POST", path, body);
  }

  patch<T>(path: string, body: unknown): Promise<Answer<T>> {
    return this.request<T>("PATCH", path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = this.options.csrfToken;
    if (this.options.workspace) headers["X-Touchflow-Workspace"] = this.options.workspace;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(this.options.base + path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { detail: text.slice(0, 500) };
    }
    return { status: response.status, body: parsed as T };
  }
}
