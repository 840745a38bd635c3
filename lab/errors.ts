/** An error of the lab's host-side operations that says what is wrong and how to fix it: the CLI prints its message alone. */
export class LabError extends Error {}
