// What the Django page tells the canvas, read once from the mount element's data attributes.

export interface BootConfig {
  journeyId: number;
  apiBase: string;
  csrfToken: string;
  workspace: string;
  readOnly: boolean;
  adminUrl: string;
}

export function readBootConfig(element: HTMLElement): BootConfig {
  const data = element.dataset;
  return {
    journeyId: Number(data.journeyId),
    apiBase: data.api ?? "/api/v1/",
    csrfToken: data.csrf ?? "",
    workspace: data.workspace ?? "",
    readOnly: data.readOnly === "true",
    adminUrl: data.adminUrl ?? "/admin/",
  };
}
