// The modeler in Chinese: bpmn-js and its properties panel write English and pass every label
// through the `translate` service; this one looks the words up here (a word not listed stays
// English) and fills {placeholders} as the library's own does.
const CHINESE = {
  // Shenpi's entries (shenpi-properties.js)
  'Approval': '审批设置',
  'Form (JSON Schema file)': '表单（JSON Schema 文件）',
  'A .json file deployed with the procedure': '与流程一同部署的 .json 文件',
  'Department (expression)': '办理部门（表达式）',
  "Empty: the lane's department": '留空则为泳道所属部门',
  'Task title (expression)': '任务标题（表达式）',
  'Promised working days (expression)': '本环节承诺时限（工作日，表达式）',
  'Upload the result document before closing': '办结前须上传结果文书',
  "The window's merged correction round": '窗口汇总补正环节',
  'Condition': '条件',
  'An expression over the case data, e.g. opinion == "approve"': '基于办件数据的表达式，如 opinion == "approve"',
  'Script': '脚本',
  'Called process': '调用的流程', 'Process key': '流程标识（key）',
  'Deployed together with this procedure': '须与本流程一同部署',
  // the properties panel
  'General': '常规', 'Name': '名称', 'ID': '编号', 'Documentation': '说明',
  'Element documentation': '元素说明', 'Process documentation': '流程说明', 'Process': '流程',
  'Process ID': '流程编号', 'Process name': '流程名称', 'Executable': '可执行',
  'Timer': '定时器', 'Type': '类型', 'Value': '值', 'Date': '日期', 'Duration': '时长', 'Cycle': '周期',
  '<none>': '<无>', '<empty>': '<空>', 'Multi-instance': '多实例', 'Loop cardinality': '循环次数',
  'Completion condition': '完成条件', 'Message': '消息', 'Signal': '信号', 'Error': '错误',
  'Escalation': '升级', 'Link': '链接', 'Code': '代码', 'Compensation': '补偿',
  'Create new ...': '新建…', 'Collection': '集合', 'Element variable': '元素变量',
  // the panel's header: the element's type
  'User Task': '用户任务', 'Script Task': '脚本任务', 'Service Task': '服务任务', 'Task': '任务',
  'Business Rule Task': '业务规则任务', 'Manual Task': '人工任务', 'Call Activity': '调用活动',
  'Expanded Sub Process': '子流程（展开）', 'Collapsed Sub Process': '子流程（折叠）',
  'Start Event': '开始事件', 'End Event': '结束事件', 'Timer Start Event': '定时开始事件',
  'Timer Intermediate Catch Event': '定时中间事件', 'Timer Boundary Event': '定时边界事件',
  'Timer Boundary Event (Non Interrupting)': '定时边界事件（不中断）',
  'Message Start Event': '消息开始事件', 'Message Intermediate Catch Event': '消息中间捕获事件',
  'Intermediate Throw Event': '中间抛出事件', 'Exclusive Gateway': '排他网关',
  'Parallel Gateway': '并行网关', 'Inclusive Gateway': '包容网关', 'Event Based Gateway': '事件网关',
  'Sequence Flow': '顺序流', 'Conditional Flow': '条件流', 'Default Flow': '默认流',
  'Participant': '参与者', 'Lane': '泳道', 'Text Annotation': '注释',
  'Data Object Reference': '数据对象', 'Data Store Reference': '数据存储', 'Group': '分组',
  // the palette and the context pad
  'Activate hand tool': '抓手工具', 'Activate lasso tool': '套索工具',
  'Activate create/remove space tool': '插入/移除空间', 'Activate global connect tool': '连线工具',
  'Create start event': '开始事件', 'Create intermediate/boundary event': '中间/边界事件',
  'Create end event': '结束事件', 'Create gateway': '网关', 'Create task': '任务',
  'Create data object reference': '数据对象', 'Create data store reference': '数据存储',
  'Create expanded sub-process': '展开的子流程', 'Create pool/participant': '池/参与者',
  'Create group': '分组', 'Append end event': '追加结束事件', 'Append gateway': '追加网关',
  'Append task': '追加任务', 'Append intermediate/boundary event': '追加中间/边界事件',
  'Append timer intermediate catch event': '追加定时中间事件', 'Change element': '更改类型',
  'Connect to other element': '连接到其他元素', 'Delete': '删除', 'Add text annotation': '添加注释',
  'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '分为两条泳道', 'Divide into three lanes': '分为三条泳道',
};

function translate(template, replacements) {
  const text = CHINESE[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}

export default { translate: ['value', translate] };
